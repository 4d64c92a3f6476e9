package dev.passage.proxy;

import dev.passage.table.ConnectionPolicy;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TrafficPolicy connection limits of this node: per scope (the Gateway, listener or route
 * whose policy set the limit), the connections open now under it and a token bucket of new
 * connections per second (a burst of one second's worth; GCRA, one compare-and-set a connection).
 * A connection takes its places when it is routed and gives them back when it ends.
 */
final class ConnectionLimits {
  private final ConcurrentHashMap<String, Counter> byScope = new ConcurrentHashMap<>();

  private static final class Counter {
    final AtomicInteger open = new AtomicInteger();
    /** When the bucket is next empty again (the theoretical arrival time), System.nanoTime(). */
    final AtomicLong tat = new AtomicLong(Long.MIN_VALUE);
  }

  /** A connection's place under a concurrency limit (NONE: it holds none); released once, when it ends. */
  static final class Permit {
    static final Permit NONE = new Permit(null);
    private Counter counter;

    private Permit(Counter counter) {
      this.counter = counter;
    }

    void release() {
      if (counter != null) counter.open.decrementAndGet();
      counter = null;
    }
  }

  /** Admitted with a permit, or refused (permit null) with why. */
  record Outcome(Permit permit, String refusal) {}

  Outcome acquire(ConnectionPolicy policy) {
    if (policy == null || (policy.maxConcurrent() == null && policy.maxPerSecond() == null)) {
      return new Outcome(Permit.NONE, null);
    }
    Counter concurrent = null;
    ConnectionPolicy.Limit c = policy.maxConcurrent();
    if (c != null) {
      concurrent = byScope.computeIfAbsent(c.scope(), s -> new Counter());
      if (concurrent.open.incrementAndGet() > c.value()) {
        concurrent.open.decrementAndGet();
        return new Outcome(null, c.scope() + " has " + c.value() + " connections open on this node (maxConcurrent)");
      }
    }
    ConnectionPolicy.Limit r = policy.maxPerSecond();
    if (r != null && !take(byScope.computeIfAbsent(r.scope(), s -> new Counter()), r.value())) {
      if (concurrent != null) concurrent.open.decrementAndGet();
      return new Outcome(null, r.scope() + " took " + r.value() + " new connections this second on this node (maxPerSecond)");
    }
    return new Outcome(concurrent == null ? Permit.NONE : new Permit(concurrent), null);
  }

  /** One token from a bucket of perSecond tokens refilled evenly (GCRA): false when it is empty. */
  private static boolean take(Counter c, int perSecond) {
    long interval = 1_000_000_000L / perSecond;
    long tolerance = 1_000_000_000L - interval; // a full bucket: perSecond connections at once
    long now = System.nanoTime();
    while (true) {
      long tat = c.tat.get();
      long base = tat == Long.MIN_VALUE || tat - now < 0 ? now : tat;
      if (base - now > tolerance) return false;
      if (c.tat.compareAndSet(tat, base + interval)) return true;
    }
  }

  /** Connections open now under a scope's concurrency limit (tests, /passage/routes). */
  int open(String scope) {
    Counter c = byScope.get(scope);
    return c == null ? 0 : c.open.get();
  }
}
