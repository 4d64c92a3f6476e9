package dev.passage.control;

import dev.passage.resources.ObjectKey;
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
 * management routes.
 */
public final class ComputedStatuses implements Extension {
  // hashed, not sorted: thousands of routes write here on every change; readers sort a copy
  private final Map<ObjectKey, Object> statuses = new ConcurrentHashMap<>();
  private volatile Consumer<ObjectKey> statusListener = key -> {};
  private volatile boolean controllerHere;

  public static final class Id extends ExtensionId<ComputedStatuses> {
    @Override
    public ComputedStatuses createExtension(ActorSystem<?> system) {
      return new ComputedStatuses();
    }
  }

  private static final Id ID = new Id();

  public static ComputedStatuses get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Told the key of every status that really changed (Kubernetes mode writes them back). */
  public void onStatusChange(Consumer<ObjectKey> listener) {
    this.statusListener = listener;
  }

  public void putStatus(ObjectKey key, Object status) {
    if (status.equals(statuses.get(key))) return; // unchanged: no write, no listener call
    statuses.put(key, status);
    statusListener.accept(key);
  }

  public void removeStatus(ObjectKey key) {
    if (statuses.remove(key) != null) statusListener.accept(key);
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
  }

  public Object status(ObjectKey key) {
    return statuses.get(key);
  }

  public Map<ObjectKey, Object> statuses() {
    return new TreeMap<>(statuses);
  }
}
