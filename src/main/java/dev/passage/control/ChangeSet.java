package dev.passage.control;

import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.Kind;
import dev.passage.resources.ResourceIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What one batch of changes did (objects added, changed, removed), and the Gateways whose tables
 * must catch up with its snapshot before it counts as applied. The table publisher logs it then,
 * one INFO line with the routes each Gateway serves; a batch of EndpointSlice changes alone (pods
 * coming and going, which Kubernetes does, not a user) is logged at DEBUG. first: the first
 * complete snapshot, which is applied as a whole.
 */
record ChangeSet(long version, Set<NamespacedName> gateways, boolean first, int objects,
                 List<ObjectKey> added, List<ObjectKey> changed, List<ObjectKey> removed) {
  /** Names shown per list; the rest are counted. */
  static final int SHOWN = 5;

  static ChangeSet first(long version, Set<NamespacedName> gateways, int objects) {
    return new ChangeSet(version, Set.copyOf(gateways), true, objects, List.of(), List.of(), List.of());
  }

  static ChangeSet of(long version, Set<NamespacedName> gateways, List<ResourceIndex.Change> changes) {
    List<ObjectKey> added = new ArrayList<>();
    List<ObjectKey> changed = new ArrayList<>();
    List<ObjectKey> removed = new ArrayList<>();
    for (ResourceIndex.Change c : changes) {
      if (c.before() == null) added.add(c.key());
      else if (c.after() == null) removed.add(c.key());
      else changed.add(c.key());
    }
    return new ChangeSet(version, Set.copyOf(gateways), false, 0, added, changed, removed);
  }

  ChangeSet without(NamespacedName gateway) {
    Set<NamespacedName> rest = new java.util.HashSet<>(gateways);
    rest.remove(gateway);
    return new ChangeSet(version, rest, first, objects, added, changed, removed);
  }

  boolean empty() {
    return !first && added.isEmpty() && changed.isEmpty() && removed.isEmpty();
  }

  /** Only EndpointSlices changed: routine, logged at DEBUG. */
  boolean endpointsOnly() {
    if (first) return false;
    for (List<ObjectKey> keys : List.of(added, changed, removed)) {
      for (ObjectKey k : keys) if (k.kind() != Kind.ENDPOINT_SLICE) return false;
    }
    return true;
  }

  String describe() {
    if (first) return "first snapshot of " + objects + " objects";
    List<String> parts = new ArrayList<>();
    if (!added.isEmpty()) parts.add("added " + names(added));
    if (!changed.isEmpty()) parts.add("changed " + names(changed));
    if (!removed.isEmpty()) parts.add("removed " + names(removed));
    return String.join("; ", parts);
  }

  private static String names(List<ObjectKey> keys) {
    List<String> shown = keys.stream().limit(SHOWN).map(ObjectKey::toString).toList();
    return String.join(", ", shown) + (keys.size() > SHOWN ? " and " + (keys.size() - SHOWN) + " more" : "");
  }
}
