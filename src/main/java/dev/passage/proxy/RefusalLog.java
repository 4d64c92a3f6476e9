package dev.passage.proxy;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refused connections and failed backend connects, logged as summaries: each occurrence is
 * counted (and logged in full at DEBUG), and {@link #flush} writes at most one line per reason
 * with the count since the last flush and the first example. A flood of bad clients thus costs
 * one line per reason per interval (passage.proxy.log-summary-interval), not one per connection.
 * Refusals the operator can act on (the cap, a backend that is missing or refuses connections)
 * are WARN; those a client causes (no SNI, an unknown name, a bad or late hello) are INFO.
 */
final class RefusalLog {
  private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);

  private static final class Tally {
    final LongAdder count = new LongAdder();
    final AtomicReference<String> example = new AtomicReference<>();
  }

  private final Map<ProxyMetrics.Refusal, Tally> refused = new EnumMap<>(ProxyMetrics.Refusal.class);
  private final Tally connectAttempts = new Tally(); // failed attempts, the connection perhaps served by another endpoint

  RefusalLog() {
    for (ProxyMetrics.Refusal r : ProxyMetrics.Refusal.values()) refused.put(r, new Tally());
  }

  /** Counts one refused connection; detail is built only when needed (the interval's first, or DEBUG). */
  void note(ProxyMetrics.Refusal refusal, java.util.function.Supplier<String> detail) {
    note(refused.get(refusal), label(refusal), detail);
  }

  /** Counts one failed backend connect attempt. */
  void noteConnectAttempt(java.util.function.Supplier<String> detail) {
    note(connectAttempts, CONNECT_ATTEMPTS, detail);
  }

  private static void note(Tally t, String label, java.util.function.Supplier<String> detail) {
    t.count.increment();
    boolean debug = log.isDebugEnabled();
    if (t.example.get() == null || debug) {
      String text = detail.get();
      t.example.compareAndSet(null, text);
      if (debug) log.debug("{}: {}", label, text);
    }
  }

  /** One line per reason seen since the last flush. */
  void flush(long intervalSeconds) {
    for (Map.Entry<ProxyMetrics.Refusal, Tally> e : refused.entrySet()) {
      flush(e.getValue(), label(e.getKey()), operatorsConcern(e.getKey()), intervalSeconds);
    }
    flush(connectAttempts, CONNECT_ATTEMPTS, true, intervalSeconds);
  }

  private static void flush(Tally t, String label, boolean warn, long intervalSeconds) {
    long n = t.count.sumThenReset();
    if (n == 0) return;
    String line = String.format("%,d %s in the last %d s (first: %s)", n, label, intervalSeconds, t.example.getAndSet(null));
    if (warn) log.warn(line);
    else log.info(line);
  }

  private static final String CONNECT_ATTEMPTS = "backend connect attempt(s) failed";

  private static boolean operatorsConcern(ProxyMetrics.Refusal r) {
    return switch (r) {
      case LIMIT, SHED, BACKEND, NO_CERTIFICATE, CONNECT_FAILED, BACKEND_TLS, POLICY_LIMIT -> true;
      case NO_SNI, NO_ROUTE, NOT_A_CLIENT_HELLO, TIMEOUT, CLOSED_EARLY -> false;
    };
  }

  /** A switch over every refusal: a new one does not compile until it has its words here. */
  private static String label(ProxyMetrics.Refusal r) {
    return switch (r) {
      case NO_SNI -> "connection(s) refused: no SNI";
      case NO_ROUTE -> "connection(s) refused: no route for the SNI";
      case BACKEND -> "connection(s) refused: the route's backend is not usable";
      case NOT_A_CLIENT_HELLO -> "connection(s) refused: not a valid ClientHello";
      case TIMEOUT -> "connection(s) closed: no complete ClientHello before the deadline";
      case CLOSED_EARLY -> "connection(s) closed by the client before it was routed";
      case LIMIT -> "connection(s) refused at passage.proxy.max-connections (none left to shed)";
      case SHED -> "connection(s) without a ClientHello shed to admit new clients at the cap";
      case NO_CERTIFICATE -> "connection(s) refused: the Terminate listener has no usable certificate";
      case CONNECT_FAILED -> "connection(s) refused: no endpoint of the backend accepted a connection";
      case BACKEND_TLS -> "connection(s) closed: TLS to the backend (BackendTLSPolicy) failed or is not usable";
      case POLICY_LIMIT -> "connection(s) refused at a TrafficPolicy connection limit (maxConcurrent or maxPerSecond)";
    };
  }
}
