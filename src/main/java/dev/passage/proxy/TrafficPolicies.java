package dev.passage.proxy;

import dev.passage.resources.NamespacedName;
import dev.passage.table.BackendKey;
import dev.passage.table.ResolvedBackend;
import dev.passage.table.BindAddress;
import dev.passage.table.ConnectionPolicy;
import dev.passage.table.Decision;
import dev.passage.table.RouteTable;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The data plane's side of TrafficPolicies on this node: connection limits, endpoint health
 * (checks and ejections), and the established connections a route change may drain; their
 * counters. One per node ({@link DataPlane#trafficPolicies}); told of every table change.
 */
public final class TrafficPolicies implements AutoCloseable {
  final ConnectionLimits limits = new ConnectionLimits();
  final EndpointHealth health = new EndpointHealth();
  private final Set<Drainable> drainable = ConcurrentHashMap.newKeySet();
  final LongAdder proxyHeaders = new LongAdder();
  final LongAdder closedAtOnce = new LongAdder();
  final LongAdder drained = new LongAdder();

  /**
   * An established connection whose route's policy says Close or Drain: where it was routed from
   * (to look it up again in a new table), and what to do when its route moved.
   */
  static final class Drainable {
    final BindAddress bind;
    final String sni; // null for a TCP listener's connection
    final NamespacedName route;
    final BackendKey backend;
    final ConnectionPolicy.Drain drain;
    final Consumer<ConnectionPolicy.Drain> onMoved;
    private volatile boolean told;

    Drainable(BindAddress bind, String sni, NamespacedName route, BackendKey backend, ConnectionPolicy.Drain drain,
              Consumer<ConnectionPolicy.Drain> onMoved) {
      this.bind = bind;
      this.sni = sni;
      this.route = route;
      this.backend = backend;
      this.drain = drain;
      this.onMoved = onMoved;
    }

    /**
     * Whether the table still sends this connection where it went: the same route for its
     * listener and name, and its backend still one of the route's (valid, with a weight).
     */
    boolean stillServed(RouteTable table) {
      Decision d = sni == null ? table.lookupWholePort(bind) : table.lookup(bind, sni);
      if (!(d instanceof Decision.Forward f) || !f.route().route().equals(route)) return false;
      for (ResolvedBackend b : f.route().backends()) {
        if (b.valid() && b.weight() > 0 && backend.equals(b.service())) return true;
      }
      return false;
    }
  }

  void register(Drainable d) {
    drainable.add(d);
  }

  void unregister(Drainable d) {
    drainable.remove(d);
  }

  /** A new table: health checks follow it, and connections whose route moved are closed or drained. */
  public void tableChanged(RouteTable table) {
    health.tableChanged(table);
    for (Drainable d : drainable) {
      if (d.told || d.stillServed(table)) continue;
      d.told = true;
      d.onMoved.accept(d.drain);
    }
  }

  /** A drained connection was closed (at once for Close, after its time for Drain). */
  void closedByDrain(ConnectionPolicy.DrainMode mode) {
    (mode == ConnectionPolicy.DrainMode.Close ? closedAtOnce : drained).increment();
  }

  /** Every watched endpoint: healthy or not, ejected or not, its certificate's expiry, by "backend endpoint". */
  public Map<String, Map<String, Object>> endpointHealth() {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    health.states().forEach((k, s) -> {
      Map<String, Object> one = new TreeMap<>();
      one.put("healthy", !s.unhealthy);
      one.put("checked", s.checked);
      one.put("ejected", EndpointHealth.ejected(s));
      if (s.certificateNotAfter != 0) one.put("certificateNotAfter", java.time.Instant.ofEpochSecond(s.certificateNotAfter).toString());
      out.put(k.backend() + " " + k.endpoint(), one);
    });
    return out;
  }

  public List<MetricSnapshot> snapshots() {
    GaugeSnapshot.Builder healthy = GaugeSnapshot.builder().name("passage_endpoint_healthy")
        .help("1 when an endpoint a TrafficPolicy checks or ejects takes new connections (healthy and not ejected), else 0.");
    GaugeSnapshot.Builder expiry = GaugeSnapshot.builder().name("passage_backend_certificate_expiry_seconds")
        .help("When the certificate an endpoint showed its last TLS health check expires (Unix time, seconds).");
    health.states().forEach((k, s) -> {
      Labels labels = Labels.of("backend", k.backend().toString(), "endpoint", k.endpoint().toString());
      healthy.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
          .value(s.unhealthy || EndpointHealth.ejected(s) ? 0 : 1).build());
      if (s.certificateNotAfter != 0) {
        expiry.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(s.certificateNotAfter).build());
      }
    });
    List<MetricSnapshot> out = new ArrayList<>();
    out.add(healthy.build());
    out.add(expiry.build());
    out.add(ProxyMetrics.counter("passage_endpoint_ejections", "Endpoints ejected after consecutive connect failures "
        + "(TrafficPolicy outlierDetection).", health.ejections.sum()));
    out.add(CounterSnapshot.builder().name("passage_health_checks").help("TrafficPolicy health checks run, by result.")
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("result", "passed"))
            .value(health.checksRun.sum() - health.checksFailed.sum()).build())
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("result", "failed"))
            .value(health.checksFailed.sum()).build())
        .build());
    out.add(CounterSnapshot.builder().name("passage_connections_drained")
        .help("Established connections closed because their route moved (TrafficPolicy drain), by mode.")
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("mode", "Close"))
            .value(closedAtOnce.sum()).build())
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("mode", "Drain"))
            .value(drained.sum()).build())
        .build());
    out.add(ProxyMetrics.counter("passage_proxy_protocol_headers", "PROXY protocol v2 headers sent to backends "
        + "(TrafficPolicy proxyProtocol).", proxyHeaders.sum()));
    return out;
  }

  @Override
  public void close() {
    health.close();
  }
}
