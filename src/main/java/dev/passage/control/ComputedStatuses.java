package dev.passage.control;

import dev.passage.resources.Json;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.StoredStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Every status the control plane has computed, one per ActorSystem (filled on the node holding
 * the controller). Written by the Gateway and Route actors, read by the status writer and the
 * management routes. Each is also kept as Kubernetes would store it ({@link StoredStatus}:
 * lastTransitionTime on every condition), which /passage/status shows; and every condition that
 * turns False is logged at INFO, once, with where it is and why.
 */
public final class ComputedStatuses implements Extension {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ComputedStatuses.class);
  /** The controller's own statuses (GatewayClasses), which no actor owns. */
  private static final Object CONTROLLER = new Object();

  /** A status, as Kubernetes would store it, and the actor that computed it. */
  private record Entry(Object status, Map<String, Object> stored, Object owner) {}

  // sorted: pages of /passage/status are read by key from other nodes; only changed statuses are written
  private final ConcurrentSkipListMap<ObjectKey, Entry> entries = new ConcurrentSkipListMap<>();
  private final String controllerName;
  private volatile Consumer<ObjectKey> statusListener = key -> {};
  private volatile boolean controllerHere;

  public static final class Id extends ExtensionId<ComputedStatuses> {
    @Override
    public ComputedStatuses createExtension(ActorSystem<?> system) {
      return new ComputedStatuses(system.settings().config().getString("passage.controller-name"));
    }
  }

  private static final Id ID = new Id();

  public static ComputedStatuses get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private ComputedStatuses(String controllerName) {
    this.controllerName = controllerName;
  }

  /** Told the key of every status that really changed (Kubernetes mode writes them back). */
  public void onStatusChange(Consumer<ObjectKey> listener) {
    this.statusListener = listener;
  }

  /** The controller's own status of an object (a GatewayClass's). */
  public void putStatus(ObjectKey key, Object status) {
    putStatus(key, status, CONTROLLER);
  }

  public void removeStatus(ObjectKey key) {
    removeStatus(key, CONTROLLER);
  }

  /**
   * The status an actor computed (owner: that actor). An object deleted and made again gets a new
   * actor; the old one's late removal does not take the new one's status away.
   */
  public void putStatus(ObjectKey key, Object status, Object owner) {
    Entry before = entries.get(key);
    if (before != null && status.equals(before.status())) {
      if (before.owner() != owner) entries.replace(key, before, new Entry(before.status(), before.stored(), owner));
      return; // unchanged: no write, no listener call
    }
    Map<String, Object> stored = store(key, status, before == null ? Map.of() : before.stored());
    entries.put(key, new Entry(status, stored, owner));
    statusListener.accept(key);
  }

  /** Removes the status of key if owner computed it. */
  public void removeStatus(ObjectKey key, Object owner) {
    Entry before = entries.get(key);
    if (before != null && before.owner() == owner && entries.remove(key, before)) statusListener.accept(key);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> store(ObjectKey key, Object status, Map<String, Object> before) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, Object> want = Json.JSON.convertValue(status, Map.class);
    Map<String, Object> after = StoredStatus.merge(key.kind(), controllerName, before, want, now);
    if (after == null) return before;
    Map<String, String> wasFalse = StoredStatus.falseConditions(controllerName, before);
    StoredStatus.falseConditions(controllerName, after).forEach((where, reasonAndMessage) -> {
      if (reasonAndMessage.equals(wasFalse.get(where))) return;
      String[] rm = reasonAndMessage.split("\n", 2);
      // where: the condition's type after the place it holds, "parent Gateway gw ResolvedRefs"
      log.info("{}: {}=False ({}){}", key, where, rm[0], rm.length > 1 && !rm[1].isEmpty() ? ": " + rm[1] : "");
    });
    return after;
  }

  /** Every status as Kubernetes would store it: conditions with their lastTransitionTime. */
  public Map<ObjectKey, Object> storedStatuses() {
    Map<ObjectKey, Object> out = new TreeMap<>();
    entries.forEach((k, e) -> out.put(k, e.stored()));
    return out;
  }

  /** Up to limit statuses as Kubernetes would store them, in key order, after the key given (null: from the first). */
  public Map<ObjectKey, Map<String, Object>> storedPage(ObjectKey after, int limit) {
    Map<ObjectKey, Map<String, Object>> out = new java.util.LinkedHashMap<>();
    var from = after == null ? entries : entries.tailMap(after, false);
    for (var e : from.entrySet()) {
      if (out.size() >= limit) break;
      out.put(e.getKey(), e.getValue().stored());
    }
    return out;
  }

  /** How many statuses are held. */
  public int size() {
    return entries.size();
  }

  /** Whether the controller singleton runs on this node now. */
  public boolean controllerHere() {
    return controllerHere;
  }

  void controllerHere(boolean here) {
    controllerHere = here;
  }

  public void clearStatuses() {
    entries.clear();
  }

  public Object status(ObjectKey key) {
    Entry e = entries.get(key);
    return e == null ? null : e.status();
  }

  public Map<ObjectKey, Object> statuses() {
    Map<ObjectKey, Object> out = new TreeMap<>();
    entries.forEach((k, e) -> out.put(k, e.status()));
    return out;
  }
}
