package dev.passage.proxy;

import dev.passage.proxy.io.BufferBudget;
import dev.passage.table.BindAddress;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * What this node's data plane owns, one per ActorSystem: the state of each listener binding, the
 * client connections open now, the bytes they hold in buffers, and the counters. Written by the listeners and the connections,
 * read by the management routes.
 */
public final class DataPlane implements Extension {
  private final Map<BindAddress, String> bindings = new ConcurrentHashMap<>();
  private final AtomicInteger openConnections = new AtomicInteger();
  private final ProxyMetrics metrics = new ProxyMetrics();
  private final TrafficPolicies trafficPolicies = new TrafficPolicies();
  private volatile BufferBudget budget = new BufferBudget(Long.MAX_VALUE);

  public static final class Id extends ExtensionId<DataPlane> {
    @Override
    public DataPlane createExtension(ActorSystem<?> system) {
      return new DataPlane();
    }
  }

  private static final Id ID = new Id();

  public static DataPlane get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** state: "binding", "bound", or "failed: why". */
  void bindingState(BindAddress address, String state) {
    bindings.put(address, state);
  }

  void bindingRemoved(BindAddress address) {
    bindings.remove(address);
  }

  /** Called before the listeners learn of a table: its new addresses count as being bound. */
  public void expectBindings(Set<BindAddress> addresses) {
    addresses.forEach(a -> bindings.putIfAbsent(a, "binding"));
  }

  public Map<BindAddress, String> bindings() {
    return new TreeMap<>(bindings);
  }

  /** No listener is still being bound (a failed one does not hold readiness back). */
  public boolean listenersSettled() {
    return bindings.values().stream().noneMatch("binding"::equals);
  }

  /** Client connections this node holds open now (counted in on accept, out when both sides end). */
  public int openConnections() {
    return openConnections.get();
  }

  AtomicInteger openConnectionCount() {
    return openConnections;
  }

  /** The node's buffer budget, sized once at start from its capacity. */
  public BufferBudget useBufferBudget(long bytes) {
    budget = new BufferBudget(bytes);
    return budget;
  }

  /** The bytes connections hold in buffers now, against the budget. */
  public BufferBudget bufferBudget() {
    return budget;
  }

  public ProxyMetrics metrics() {
    return metrics;
  }

  private volatile RouteMetrics routeMetrics = new RouteMetrics(0);

  /** Per-route counting, set once at start with the node's cap on route series (0: off). */
  public RouteMetrics useRouteMetrics(int maxSeries) {
    routeMetrics = new RouteMetrics(maxSeries);
    return routeMetrics;
  }

  /** Connection limits, endpoint health and drains of the TrafficPolicies in the table. */
  public TrafficPolicies trafficPolicies() {
    return trafficPolicies;
  }

  public RouteMetrics routeMetrics() {
    return routeMetrics;
  }

  /** The TLS implementation this node terminates with, set once at start (the metrics report it). */
  public void useTlsProvider(dev.passage.proxy.tls.TlsProvider provider) {
    metrics.tlsProvider = provider;
  }

  public dev.passage.proxy.tls.TlsProvider tlsProvider() {
    return metrics.tlsProvider;
  }

  private volatile java.util.function.Supplier<String> sessionTickets = () -> "none";

  /** Says where this node's session-ticket keys come from (for /passage/routes), set once at start. */
  public void useSessionTickets(java.util.function.Supplier<String> description) {
    sessionTickets = description;
  }

  public String sessionTickets() {
    return sessionTickets.get();
  }
}
