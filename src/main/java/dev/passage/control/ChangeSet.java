package dev.passage.control;

import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceEvent;
import dev.passage.resources.ResourceIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What one batch of events changed (objects added, changed, removed; an upsert equal to what was
 * there is no change), and the Gateways whose tables must catch up with its snapshot before it
 * counts as applied. The table publisher logs it then, one INFO line with the routes each Gateway
 * serves. first: the first complete snapshot, which is applied as a whole.
 */
record ChangeSet(long version, Set<NamespacedName> gateways, boolean first, int objects,
                 List<ObjectKey> added, List<ObjectKey> changed, List<ObjectKey> removed) {
  /** Names shown per list; the rest are counted. */
  static final int SHOWN = 5;

  static ChangeSet between(ResourceIndex before, List<ResourceEvent> events, ResourceIndex after,
                           Set<NamespacedName> gateways, boolean first) {
    List<ObjectKey> added = new ArrayList<>();
    List<ObjectKey> changed = new ArrayList<>();
    List<ObjectKey> removed = new ArrayList<>();
    for (ResourceEvent e : events) {
      if (e instanceof ResourceEvent.Upserted u) {
        Optional<?> was = before.get(u.key());
        if (was.isEmpty()) added.add(u.key());
        else if (!was.get().equals(u.resource())) changed.add(u.key());
      } else if (e instanceof ResourceEvent.Deleted d && before.get(d.key()).isPresent()) {
        removed.add(d.key());
      }
    }
    return new ChangeSet(after.version(), Set.copyOf(gateways), first, after.size(), added, changed, removed);
  }

  ChangeSet without(NamespacedName gateway) {
    Set<NamespacedName> rest = new java.util.HashSet<>(gateways);
    rest.remove(gateway);
    return new ChangeSet(version, rest, first, objects, added, changed, removed);
  }

  boolean empty() {
    return !first && added.isEmpty() && changed.isEmpty() && removed.isEmpty();
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
