package dev.passage.control;

import dev.passage.resources.ObjectKey;
import dev.passage.table.BindAddress;
import dev.passage.table.RouteTable;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * What the control plane shares with the data plane and the management routes, one per
 * ActorSystem: the current route table (one reference, swapped whole), every computed status,
 * and what readiness needs. Written by actors, read by connections and HTTP requests.
 */
public final class PassageState implements Extension {
  private final AtomicReference<RouteTable> table = new AtomicReference<>(RouteTable.EMPTY);
  // hashed, not sorted: thousands of routes write here on every change; readers sort a copy
  private final Map<ObjectKey, Object> statuses = new ConcurrentHashMap<>();
  private final Map<BindAddress, String> bindings = new ConcurrentHashMap<>();
  private volatile boolean tableReady;
  private final java.util.concurrent.atomic.AtomicInteger activeConnections = new java.util.concurrent.atomic.AtomicInteger();
  private volatile Consumer<ObjectKey> statusListener = key -> {};

  public static final class Id extends ExtensionId<PassageState> {
    @Override
    public PassageState createExtension(ActorSystem<?> system) {
      return new PassageState();
    }
  }

  private static final Id ID = new Id();

  public static PassageState get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public RouteTable table() {
    return table.get();
  }

  public void publish(RouteTable next) {
    table.set(next);
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

  public void clearStatuses() {
    statuses.clear();
  }

  public Object status(ObjectKey key) {
    return statuses.get(key);
  }

  public Map<ObjectKey, Object> statuses() {
    return new TreeMap<>(statuses);
  }

  /** state: "binding", "bound", or "failed: why". */
  public void bindingState(BindAddress address, String state) {
    bindings.put(address, state);
  }

  /** Called before the listeners learn of a table: its new addresses count as being bound. */
  public void expectBinding(BindAddress address) {
    bindings.putIfAbsent(address, "binding");
  }

  public void bindingRemoved(BindAddress address) {
    bindings.remove(address);
  }

  public Map<BindAddress, String> bindings() {
    return new TreeMap<>(bindings);
  }

  public void markTableReady() {
    tableReady = true;
  }

  public boolean tableReady() {
    return tableReady;
  }

  private final dev.passage.proxy.ProxyMetrics proxyMetrics = new dev.passage.proxy.ProxyMetrics();

  /** What this node's data plane counts (connections, refusals, bytes, ClientHello sizes). */
  public dev.passage.proxy.ProxyMetrics proxyMetrics() {
    return proxyMetrics;
  }

  /** Client connections this node holds open now (the data plane counts them in and out). */
  public java.util.concurrent.atomic.AtomicInteger activeConnections() {
    return activeConnections;
  }

  /** Ready: the first table is built and no listener is still being bound. */
  public boolean ready() {
    return tableReady && bindings.values().stream().noneMatch("binding"::equals);
  }
}
