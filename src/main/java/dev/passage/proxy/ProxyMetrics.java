package dev.passage.proxy;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the data plane counts on this node, for /metrics (Prometheus text format): connections by
 * outcome, refusals by reason, backend connect failures, bytes each way, and ClientHello sizes.
 * Labels are fixed enums: the series count does not grow with routes or clients.
 */
public final class ProxyMetrics {
  /** Why a connection was closed without reaching a backend. */
  public enum Refusal {
    NO_SNI("no_sni"), NO_ROUTE("no_route"), BACKEND("backend"), NOT_A_CLIENT_HELLO("bad_hello"),
    TIMEOUT("timeout"), CLOSED_EARLY("closed_early"), LIMIT("limit"), SHED("shed"), NO_CERTIFICATE("no_certificate"),
    CONNECT_FAILED("connect_failed");

    final String label;

    Refusal(String label) {
      this.label = label;
    }
  }

  static final long[] HELLO_BUCKETS = {512, 1024, 2048, 4096, 8192, 16384};

  final LongAdder accepted = new LongAdder();
  final LongAdder routed = new LongAdder();
  final LongAdder connectFailures = new LongAdder();
  final LongAdder bytesToBackend = new LongAdder();
  final LongAdder bytesToClient = new LongAdder();
  final Map<Refusal, LongAdder> refused = new EnumMap<>(Refusal.class);
  final LongAdder[] helloBuckets = new LongAdder[HELLO_BUCKETS.length + 1];
  final LongAdder helloSum = new LongAdder();

  public ProxyMetrics() {
    for (Refusal r : Refusal.values()) refused.put(r, new LongAdder());
    for (int i = 0; i < helloBuckets.length; i++) helloBuckets[i] = new LongAdder();
  }

  /** Everything a connection counts, added once when it ends (accepted is counted on accept). */
  void record(ConnectionHandler.Ended e) {
    if (e.refusal() == null) routed.increment();
    else refused.get(e.refusal()).increment();
    if (e.helloBytes() > 0) hello(e.helloBytes());
    if (e.connectFailures() > 0) connectFailures.add(e.connectFailures());
    if (e.bytesToBackend() > 0) bytesToBackend.add(e.bytesToBackend());
    if (e.bytesToClient() > 0) bytesToClient.add(e.bytesToClient());
  }

  private void hello(int bytes) {
    helloSum.add(bytes);
    int i = 0;
    while (i < HELLO_BUCKETS.length && bytes > HELLO_BUCKETS[i]) i++;
    helloBuckets[i].increment();
  }

  /** The Prometheus text exposition of these counters, plus the gauges given. */
  public String render(int activeConnections, boolean ready) {
    StringBuilder b = new StringBuilder();
    counter(b, "passage_connections_accepted_total", "Client connections accepted.", accepted.sum());
    counter(b, "passage_connections_routed_total", "Client connections connected to a backend.", routed.sum());
    b.append("# HELP passage_connections_refused_total Client connections closed before reaching a backend.\n");
    b.append("# TYPE passage_connections_refused_total counter\n");
    refused.forEach((r, n) -> b.append("passage_connections_refused_total{reason=\"").append(r.label).append("\"} ")
        .append(n.sum()).append('\n'));
    counter(b, "passage_backend_connect_failures_total", "Backend connects refused or timed out (another endpoint may follow).",
        connectFailures.sum());
    b.append("# HELP passage_bytes_total Bytes relayed.\n# TYPE passage_bytes_total counter\n");
    b.append("passage_bytes_total{direction=\"client_to_backend\"} ").append(bytesToBackend.sum()).append('\n');
    b.append("passage_bytes_total{direction=\"backend_to_client\"} ").append(bytesToClient.sum()).append('\n');
    b.append("# HELP passage_client_hello_bytes Size of the ClientHello handshake messages read.\n");
    b.append("# TYPE passage_client_hello_bytes histogram\n");
    long cumulative = 0;
    for (int i = 0; i < helloBuckets.length; i++) {
      cumulative += helloBuckets[i].sum();
      String le = i < HELLO_BUCKETS.length ? String.valueOf(HELLO_BUCKETS[i]) : "+Inf";
      b.append("passage_client_hello_bytes_bucket{le=\"").append(le).append("\"} ").append(cumulative).append('\n');
    }
    b.append("passage_client_hello_bytes_sum ").append(helloSum.sum()).append('\n');
    b.append("passage_client_hello_bytes_count ").append(cumulative).append('\n');
    gauge(b, "passage_connections_active", "Client connections open now.", activeConnections);
    gauge(b, "passage_ready", "1 when this node holds the route tables and its listeners are bound.", ready ? 1 : 0);
    return b.toString();
  }

  private static void counter(StringBuilder b, String name, String help, long value) {
    b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
        .append(name).append(' ').append(value).append('\n');
  }

  private static void gauge(StringBuilder b, String name, String help, long value) {
    b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
        .append(name).append(' ').append(value).append('\n');
  }
}
