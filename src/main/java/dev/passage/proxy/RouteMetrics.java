package dev.passage.proxy;

import dev.passage.table.RouteTable;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the data plane counts per route on this node: for a TLSRoute, connections routed and refused
 * by reason, bytes each way, connection durations, backend connect failures and connections open;
 * for an HTTPRoute, requests by status class and their durations; labelled
 * gateway, listener, route and backend (the Service port the connection was sent to; "" when none
 * was chosen). A connection costs one map lookup when its route is chosen and a few additions when
 * it ends. Series are bounded: past maxSeries, a new (gateway, listener, route, backend) is counted
 * under the one series whose labels are all {@link #OVERFLOW}, and every connection so counted adds
 * to passage_route_series_overflow_total. The series of a route the table no longer has go with
 * the next table ({@link #retain}). maxSeries 0 turns per-route counting off.
 */
public final class RouteMetrics {
  public static final String OVERFLOW = "_overflow";
  /** Connection duration buckets, in seconds: from a refused connect to a long-lived stream. */
  static final double[] DURATION_BUCKETS = {0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600, 3600};
  private static final String[] LABELS = {"gateway", "listener", "route", "backend"};

  record Key(String gateway, String listener, String route, String backend) {
    Labels labels() {
      return Labels.of(LABELS, new String[] {gateway, listener, route, backend});
    }
  }

  /** One series' counters; held by each connection on its route from the choice of route to its end. */
  public static final class RouteStats {
    private final LongAdder routed = new LongAdder();
    private final Map<ProxyMetrics.Refusal, LongAdder> refused = new EnumMap<>(ProxyMetrics.Refusal.class);
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder bytesToBackend = new LongAdder();
    private final LongAdder bytesToClient = new LongAdder();
    private final LongAdder open = new LongAdder();
    private final Histogram durations = new Histogram(DURATION_BUCKETS, 1e9);

    RouteStats() {
      for (ProxyMetrics.Refusal r : ProxyMetrics.Refusal.values()) refused.put(r, new LongAdder());
    }

    /** The connection reached its backend: it is open until it ends. */
    void opened() {
      open.increment();
    }

    void ended(ConnectionHandler.Ended e, boolean wasOpen) {
      if (wasOpen) open.decrement();
      if (e.refusal() == null) routed.increment();
      else refused.get(e.refusal()).increment();
      if (e.connectFailures() > 0) connectFailures.add(e.connectFailures());
      if (e.bytesToBackend() > 0) bytesToBackend.add(e.bytesToBackend());
      if (e.bytesToClient() > 0) bytesToClient.add(e.bytesToClient());
      if (e.refusal() == null) durations.observe(e.nanos());
    }
  }

  /** One HTTPRoute series: requests by status class, and their durations. */
  public static final class HttpStats {
    private final LongAdder[] byClass = new LongAdder[5]; // 1xx .. 5xx
    private final Histogram durations = new Histogram(DURATION_BUCKETS, 1e9);

    HttpStats() {
      for (int i = 0; i < byClass.length; i++) byClass[i] = new LongAdder();
    }

    public void request(int status, long nanos) {
      byClass[Math.min(4, Math.max(0, status / 100 - 1))].increment();
      durations.observe(nanos);
    }
  }

  private final int maxSeries;
  private final Map<Key, RouteStats> series = new ConcurrentHashMap<>();
  private final Map<Key, HttpStats> httpSeries = new ConcurrentHashMap<>();
  private final RouteStats overflow = new RouteStats();
  private final HttpStats httpOverflow = new HttpStats();
  private final LongAdder overflowed = new LongAdder();

  public RouteMetrics(int maxSeries) {
    this.maxSeries = maxSeries;
  }

  /** The counters of this route and backend, or null when per-route counting is off. */
  RouteStats stats(String gateway, String listener, String route, String backend) {
    return lookup(series, gateway, listener, route, backend, overflow, RouteStats::new);
  }

  /** The counters of an HTTPRoute's requests to this backend, or null when per-route counting is off. */
  public HttpStats httpStats(String gateway, String listener, String route, String backend) {
    return lookup(httpSeries, gateway, listener, route, backend, httpOverflow, HttpStats::new);
  }

  /** A series of one of the maps; past the cap (both maps together), the overflow series. */
  private <S> S lookup(Map<Key, S> map, String gateway, String listener, String route, String backend, S overflowSeries,
                       java.util.function.Supplier<S> make) {
    if (maxSeries == 0) return null;
    Key key = new Key(gateway, listener, route, backend == null ? "" : backend);
    S s = map.get(key);
    if (s != null) return s;
    if (series.size() + httpSeries.size() >= maxSeries) {
      overflowed.increment();
      return overflowSeries;
    }
    return map.computeIfAbsent(key, k -> make.get());
  }

  /** Drops the series of every (gateway, listener, route) the table no longer serves. */
  public void retain(RouteTable table) {
    // a lookup per series (at most max-route-series of them), nothing per route of the table
    series.keySet().removeIf(k -> !table.serves(k.gateway(), k.listener(), k.route()));
    httpSeries.keySet().removeIf(k -> !table.serves(k.gateway(), k.listener(), k.route()));
  }

  /** How many route series this node holds now (the overflow series not counted). */
  public int seriesCount() {
    return series.size() + httpSeries.size();
  }

  public List<MetricSnapshot> snapshots() {
    if (maxSeries == 0) return List.of();
    Map<Key, RouteStats> all = sorted(series, overflow);
    CounterSnapshot.Builder connections = CounterSnapshot.builder().name("passage_route_connections")
        .help("Client connections on a route, by outcome: routed, or the reason they were refused.");
    CounterSnapshot.Builder failures = CounterSnapshot.builder().name("passage_route_backend_connect_failures")
        .help("Backend connects refused or timed out on a route (another endpoint may follow).");
    CounterSnapshot.Builder bytes = CounterSnapshot.builder().name("passage_route_bytes").help("Bytes relayed on a route.");
    GaugeSnapshot.Builder open = GaugeSnapshot.builder().name("passage_route_connections_open")
        .help("Client connections open on a route now.");
    HistogramSnapshot.Builder durations = HistogramSnapshot.builder().name("passage_route_connection_duration_seconds")
        .help("How long routed connections lived, from accept to close.");
    all.forEach((k, s) -> {
      Labels labels = k.labels();
      connections.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
          .labels(labels.add("outcome", "routed")).value(s.routed.sum()).build());
      s.refused.forEach((reason, n) -> {
        long v = n.sum();
        if (v > 0) connections.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
            .labels(labels.add("outcome", reason.label)).value(v).build());
      });
      failures.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(s.connectFailures.sum()).build());
      bytes.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
          .labels(labels.add("direction", "client_to_backend")).value(s.bytesToBackend.sum()).build());
      bytes.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
          .labels(labels.add("direction", "backend_to_client")).value(s.bytesToClient.sum()).build());
      open.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(s.open.sum()).build());
      durations.dataPoint(s.durations.point(labels));
    });
    List<MetricSnapshot> out = new ArrayList<>(List.of(connections.build(), failures.build(), bytes.build(), open.build(),
        durations.build()));
    out.addAll(httpSnapshots());
    out.add(ProxyMetrics.counter("passage_route_series_overflow",
        "Connections counted under the overflow series because passage.metrics.max-route-series was reached.",
        overflowed.sum()));
    out.add(GaugeSnapshot.builder().name("passage_route_series").help("Route series this node holds (the cap is "
            + "passage.metrics.max-route-series).")
        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(seriesCount()).build()).build());
    return out;
  }

  private List<MetricSnapshot> httpSnapshots() {
    Map<Key, HttpStats> all = sorted(httpSeries, httpOverflow);
    CounterSnapshot.Builder requests = CounterSnapshot.builder().name("passage_route_http_requests")
        .help("HTTP requests an HTTPRoute answered, by status class (code: 2xx, ...).");
    HistogramSnapshot.Builder durations = HistogramSnapshot.builder().name("passage_route_http_request_duration_seconds")
        .help("How long HTTPRoute requests took, from the request to the response's start.");
    all.forEach((k, s) -> {
      Labels labels = k.labels();
      for (int c = 0; c < s.byClass.length; c++) {
        long n = s.byClass[c].sum();
        if (n > 0 || c == 1) requests.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
            .labels(labels.add("code", (c + 1) + "xx")).value(n).build());
      }
      durations.dataPoint(s.durations.point(labels));
    });
    return List.of(requests.build(), durations.build());
  }

  /** The series in label order, and the overflow series once anything has been folded into it. */
  private <S> Map<Key, S> sorted(Map<Key, S> map, S overflowSeries) {
    Map<Key, S> all = new TreeMap<>(java.util.Comparator.comparing(Key::gateway).thenComparing(Key::listener)
        .thenComparing(Key::route).thenComparing(Key::backend));
    all.putAll(map);
    if (overflowed.sum() > 0) all.put(new Key(OVERFLOW, OVERFLOW, OVERFLOW, OVERFLOW), overflowSeries);
    return all;
  }
}
