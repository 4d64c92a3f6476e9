package dev.passage.proxy;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who gets a connection slot when the node is at passage.proxy.max-connections. A connection that
 * has not yet sent its whole ClientHello costs the least to drop (nothing has reached a backend),
 * so a new client is admitted by shedding the oldest such connection; only when every open
 * connection is past its hello is a new one refused. Under pressure the hello deadline of new
 * connections also shortens, so that silent connections turn over faster.
 *
 * <p>Waiting connections are kept in accept order in a lock-free queue; an entry leaves the
 * waiting state once (admitted by its own hello, or shed by a newcomer: a compare-and-set decides
 * which), and entries no longer waiting are dropped lazily from the head.
 */
final class Admission {
  private volatile int cap; // made again as the route table grows ({@link Capacity#forRoutes})
  private final Duration helloTimeout;
  private final Duration helloTimeoutAtCap;
  private final AtomicInteger open;
  private final ConcurrentLinkedQueue<Waiting> waiting = new ConcurrentLinkedQueue<>();

  /** A new cap: connections over it are not closed; new ones are shed or refused until below it. */
  void cap(int newCap) {
    cap = newCap;
  }

  int cap() {
    return cap;
  }

  /** A connection still waiting for its ClientHello. */
  static final class Waiting {
    private static final int WAITING = 0, DONE = 1, SHED = 2;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    private volatile Runnable shed;

    /** shed: closes the connection (from the thread of the newcomer that shed it). */
    Waiting(Runnable shed) {
      this.shed = shed;
    }

    /** For a connection that waits for nothing (a TCP listener's, routed at accept): never shed. */
    static Waiting none() {
      Waiting w = new Waiting(() -> {});
      w.leave();
      return w;
    }

    /** What shedding does from now on (the connection's stream has started: tell it). */
    void onShed(Runnable action) {
      this.shed = action;
    }

    boolean wasShed() {
      return state.get() == SHED;
    }

    /** The connection has its hello (or has ended): false if it was shed first and must close. */
    boolean leave() {
      return state.compareAndSet(WAITING, DONE) || state.get() == DONE;
    }

    private boolean shed() {
      if (!state.compareAndSet(WAITING, SHED)) return false;
      shed.run();
      return true;
    }

    private boolean stillWaiting() {
      return state.get() == WAITING;
    }
  }

  Admission(int cap, Duration helloTimeout, Duration helloTimeoutAtCap, AtomicInteger open) {
    this.cap = cap;
    this.helloTimeout = helloTimeout;
    this.helloTimeoutAtCap = helloTimeoutAtCap;
    this.open = open;
  }

  /**
   * Counts a newly accepted connection in; true if it may be served. Past the cap, the oldest
   * connection still waiting for its hello is shed to make room (its slot is released when it has
   * closed, a moment later); false if there is none.
   */
  boolean admit() {
    if (open.incrementAndGet() <= cap) return true;
    for (Waiting w; (w = waiting.poll()) != null; ) {
      if (w.shed()) return true;
    }
    return false;
  }

  /** A connection starts waiting for its hello (from its accept). */
  Waiting waitForHello(Runnable shed) {
    Waiting w = new Waiting(shed);
    waiting.add(w);
    // entries that are no longer waiting are dropped from the head, so the queue holds about
    // as many entries as there are connections waiting, plus those accepted behind the oldest
    for (Waiting head; (head = waiting.peek()) != null && !head.stillWaiting(); ) waiting.remove(head);
    return w;
  }

  /**
   * The hello deadline for a connection accepted now: client-hello-timeout while the node holds at
   * most half its cap, then falling linearly to client-hello-timeout-at-cap at the cap.
   */
  Duration helloDeadline() {
    double occupancy = (double) open.get() / cap;
    if (occupancy <= 0.5) return helloTimeout;
    double f = Math.min(1.0, (occupancy - 0.5) / 0.5);
    long full = helloTimeout.toNanos();
    long least = helloTimeoutAtCap.toNanos();
    return Duration.ofNanos(full - (long) ((full - least) * f));
  }
}
