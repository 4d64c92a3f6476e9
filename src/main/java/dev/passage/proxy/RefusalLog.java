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

  /** What is summarised: each refusal reason, and backend connect attempts that failed. */
  enum Kind { NO_SNI, NO_ROUTE, BACKEND, NOT_A_CLIENT_HELLO, TIMEOUT, CLOSED_EARLY, LIMIT, SHED, NO_CERTIFICATE, CONNECT_FAILED, CONNECT_ATTEMPT_FAILED }

  private static final class Tally {
    final LongAdder count = new LongAdder();
    final AtomicReference<String> example = new AtomicReference<>();
  }

  private final Map<Kind, Tally> tallies = new EnumMap<>(Kind.class);

  RefusalLog() {
    for (Kind k : Kind.values()) tallies.put(k, new Tally());
  }

  static Kind of(ProxyMetrics.Refusal refusal) {
    return Kind.valueOf(refusal.name());
  }

  /** Counts one occurrence; detail is built only when it is needed (the first of an interval, or DEBUG). */
  void note(Kind kind, java.util.function.Supplier<String> detail) {
    Tally t = tallies.get(kind);
    t.count.increment();
    boolean debug = log.isDebugEnabled();
    if (t.example.get() == null || debug) {
      String text = detail.get();
      t.example.compareAndSet(null, text);
      if (debug) log.debug("{}: {}", label(kind), text);
    }
  }

  /** One line per reason seen since the last flush. */
  void flush(long intervalSeconds) {
    for (Map.Entry<Kind, Tally> e : tallies.entrySet()) {
      long n = e.getValue().count.sumThenReset();
      if (n == 0) continue;
      String example = e.getValue().example.getAndSet(null);
      String line = String.format("%,d %s in the last %d s (first: %s)", n, label(e.getKey()), intervalSeconds, example);
      if (operatorsConcern(e.getKey())) log.warn(line);
      else log.info(line);
    }
  }

  private static boolean operatorsConcern(Kind k) {
    return switch (k) {
      case LIMIT, SHED, BACKEND, NO_CERTIFICATE, CONNECT_FAILED, CONNECT_ATTEMPT_FAILED -> true;
      default -> false;
    };
  }

  private static String label(Kind k) {
    return switch (k) {
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
      case CONNECT_ATTEMPT_FAILED -> "backend connect attempt(s) failed";
    };
  }
}
