package dev.passage.proxy;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the data plane counts on this node, for /metrics (as Prometheus snapshots): connections by
 * outcome, refusals by reason, backend connect failures, bytes each way, and ClientHello sizes.
 * Labels are fixed enums: the series count does not grow with routes or clients.
 */
public final class ProxyMetrics {
  /** Why a connection was closed without reaching a backend. */
  public enum Refusal {
    NO_SNI("no_sni"), NO_ROUTE("no_route"), BACKEND("backend"), NOT_A_CLIENT_HELLO("bad_hello"),
    TIMEOUT("timeout"), CLOSED_EARLY("closed_early"), LIMIT("limit"), SHED("shed"), NO_CERTIFICATE("no_certificate"),
    CONNECT_FAILED("connect_failed"), BACKEND_TLS("backend_tls"), POLICY_LIMIT("policy_limit");

    final String label;

    Refusal(String label) {
      this.label = label;
    }
  }

  static final double[] HELLO_BUCKETS = {512, 1024, 2048, 4096, 8192, 16384};

  final LongAdder accepted = new LongAdder();
  final LongAdder routed = new LongAdder();
  final LongAdder connectFailures = new LongAdder();
  final LongAdder bytesToBackend = new LongAdder();
  final LongAdder bytesToClient = new LongAdder();
  final Map<Refusal, LongAdder> refused = new EnumMap<>(Refusal.class);
  final Histogram helloBytes = new Histogram(HELLO_BUCKETS, 1);
  final LongAdder fullHandshakes = new LongAdder();
  final LongAdder resumedHandshakes = new LongAdder();
  final LongAdder failedHandshakes = new LongAdder();
  final LongAdder backendTlsFailures = new LongAdder();
  final LongAdder udpFlows = new LongAdder();
  final LongAdder udpFlowsEvicted = new LongAdder();
  final java.util.concurrent.atomic.AtomicLong udpFlowsOpen = new java.util.concurrent.atomic.AtomicLong();
  final LongAdder udpToBackend = new LongAdder();
  final LongAdder udpToClient = new LongAdder();
  final LongAdder udpBytesToBackend = new LongAdder();
  final LongAdder udpBytesToClient = new LongAdder();
  final LongAdder udpDropped = new LongAdder();
  volatile dev.passage.proxy.tls.TlsProvider tlsProvider = dev.passage.proxy.tls.TlsProvider.JDK;

  public ProxyMetrics() {
    for (Refusal r : Refusal.values()) refused.put(r, new LongAdder());
  }

  /** Everything a connection counts, added once when it ends (accepted is counted on accept). */
  void record(ConnectionHandler.Ended e) {
    if (e.refusal() == null) routed.increment();
    else refused.get(e.refusal()).increment();
    if (e.helloBytes() > 0) helloBytes.observe(e.helloBytes());
    if (e.connectFailures() > 0) connectFailures.add(e.connectFailures());
    if (e.bytesToBackend() > 0) bytesToBackend.add(e.bytesToBackend());
    if (e.bytesToClient() > 0) bytesToClient.add(e.bytesToClient());
  }

  /** A TLS handshake with a backend (BackendTLSPolicy) failed: the connection closed, or the request answered 502. */
  public void backendTlsFailed() {
    backendTlsFailures.increment();
  }

  void handshake(dev.passage.proxy.tls.ServerCertificates.Handshake h) {
    switch (h) {
      case FULL -> fullHandshakes.increment();
      case RESUMED -> resumedHandshakes.increment();
      case FAILED -> failedHandshakes.increment();
      case NONE -> {}
    }
  }

  void udpFlowOpened() {
    udpFlows.increment();
    udpFlowsOpen.incrementAndGet();
  }

  void udpFlowClosed(boolean evicted) {
    udpFlowsOpen.decrementAndGet();
    if (evicted) udpFlowsEvicted.increment();
  }

  void udpDatagram(boolean toBackend, int bytes) {
    (toBackend ? udpToBackend : udpToClient).increment();
    (toBackend ? udpBytesToBackend : udpBytesToClient).add(bytes);
  }

  void udpDropped() {
    udpDropped.increment();
  }

  /** These counters as Prometheus snapshots (the node-wide families of /metrics). */
  public List<MetricSnapshot> snapshots() {
    List<MetricSnapshot> out = new ArrayList<>();
    out.add(counter("passage_connections_accepted", "Client connections accepted.", accepted.sum()));
    out.add(counter("passage_connections_routed", "Client connections connected to a backend.", routed.sum()));
    CounterSnapshot.Builder refusals = CounterSnapshot.builder().name("passage_connections_refused")
        .help("Client connections closed before reaching a backend, by reason.");
    refused.forEach((r, n) -> refusals.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
        .labels(Labels.of("reason", r.label)).value(n.sum()).build()));
    out.add(refusals.build());
    out.add(counter("passage_backend_connect_failures",
        "Backend connects refused or timed out (another endpoint may follow).", connectFailures.sum()));
    out.add(CounterSnapshot.builder().name("passage_bytes").help("Bytes relayed.")
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
            .labels(Labels.of("direction", "client_to_backend")).value(bytesToBackend.sum()).build())
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
            .labels(Labels.of("direction", "backend_to_client")).value(bytesToClient.sum()).build())
        .build());
    out.add(HistogramSnapshot.builder().name("passage_client_hello_bytes")
        .help("Size of the ClientHello handshake messages read.").dataPoint(helloBytes.point(Labels.EMPTY))
        .build());
    out.add(CounterSnapshot.builder().name("passage_tls_handshakes")
        .help("TLS handshakes completed by this node's terminating listeners, full or resumed (a session ticket or id).")
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
            .labels(Labels.of("resumed", "false")).value(fullHandshakes.sum()).build())
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
            .labels(Labels.of("resumed", "true")).value(resumedHandshakes.sum()).build())
        .build());
    out.add(counter("passage_tls_handshake_failures", "TLS handshakes this node's terminating listeners refused or "
        + "could not complete: a client certificate refused, no protocol or cipher in common, a bad record.",
        failedHandshakes.sum()));
    out.add(counter("passage_backend_tls_failures", "TLS handshakes with backends (BackendTLSPolicy) that failed: the "
        + "backend's certificate refused (chain or names), ours refused, or no protocol in common.", backendTlsFailures.sum()));
    out.add(counter("passage_udp_flows", "UDP flows opened (a client address and port's datagrams, kept on one endpoint).",
        udpFlows.sum()));
    out.add(counter("passage_udp_flows_evicted", "UDP flows ended to make room at passage.proxy.max-udp-flows.",
        udpFlowsEvicted.sum()));
    out.add(io.prometheus.metrics.model.snapshots.GaugeSnapshot.builder().name("passage_udp_flows_open")
        .help("UDP flows open now.").dataPoint(io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot
            .builder().value(udpFlowsOpen.get()).build()).build());
    out.add(CounterSnapshot.builder().name("passage_udp_datagrams").help("UDP datagrams relayed.")
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
            .labels(Labels.of("direction", "client_to_backend")).value(udpToBackend.sum()).build())
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
            .labels(Labels.of("direction", "backend_to_client")).value(udpToClient.sum()).build())
        .build());
    out.add(counter("passage_udp_datagrams_dropped", "UDP datagrams dropped: no route, a refused backend's share, "
        + "an endpoint that is not there, a full send buffer.", udpDropped.sum()));
    out.add(io.prometheus.metrics.model.snapshots.InfoSnapshot.builder().name("passage_tls_provider")
        .help("The TLS implementation terminating connections on this node (passage.tls.provider).")
        .dataPoint(io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot.builder()
            .labels(Labels.of("provider", tlsProvider.settingName(), "version", tlsProvider.version())).build())
        .build());
    return out;
  }

  static CounterSnapshot counter(String name, String help, long value) {
    return CounterSnapshot.builder().name(name).help(help)
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build();
  }
}
