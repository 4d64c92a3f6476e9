package dev.passage.control;

import dev.passage.resources.Json;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.StoredStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
  // hashed, not sorted: thousands of routes write here on every change; readers sort a copy
  private final Map<ObjectKey, Object> statuses = new ConcurrentHashMap<>();
  private final Map<ObjectKey, Map<String, Object>> stored = new ConcurrentHashMap<>();
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

  public void putStatus(ObjectKey key, Object status) {
    if (status.equals(statuses.get(key))) return; // unchanged: no write, no listener call
    statuses.put(key, status);
    store(key, status);
    statusListener.accept(key);
  }

  @SuppressWarnings("unchecked")
  private void store(ObjectKey key, Object status) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, Object> want = Json.JSON.convertValue(status, Map.class);
    Map<String, Object> before = stored.getOrDefault(key, Map.of());
    Map<String, Object> after = StoredStatus.merge(key.kind(), controllerName, before, want, now);
    if (after == null) return;
    stored.put(key, after);
    Map<String, String> wasFalse = StoredStatus.falseConditions(controllerName, before);
    StoredStatus.falseConditions(controllerName, after).forEach((where, reasonAndMessage) -> {
      if (reasonAndMessage.equals(wasFalse.get(where))) return;
      String[] rm = reasonAndMessage.split("\n", 2);
      // where: the condition's type after the place it holds, "parent Gateway gw ResolvedRefs"
      log.info("{}: {}=False ({}){}", key, where, rm[0], rm.length > 1 && !rm[1].isEmpty() ? ": " + rm[1] : "");
    });
  }

  public void removeStatus(ObjectKey key) {
    stored.remove(key);
    if (statuses.remove(key) != null) statusListener.accept(key);
  }

  /** Every status as Kubernetes would store it: conditions with their lastTransitionTime. */
  public Map<ObjectKey, Object> storedStatuses() {
    return new TreeMap<>(stored);
  }

  /** Whether the controller singleton runs on this node now. */
  public boolean controllerHere() {
    return controllerHere;
  }

  void controllerHere(boolean here) {
    controllerHere = here;
  }

  public void clearStatuses() {
    statuses.clear();
    stored.clear();
  }

  public Object status(ObjectKey key) {
    return statuses.get(key);
  }

  public Map<ObjectKey, Object> statuses() {
    return new TreeMap<>(statuses);
  }
}
