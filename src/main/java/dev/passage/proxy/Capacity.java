package dev.passage.proxy;

/**
 * How many client connections a node may hold, from the heap and the open-files limit, so that
 * the cap can never exhaust either. Every byte a connection holds in buffers beyond its fixed
 * state counts against a node-wide buffer budget ({@link dev.passage.proxy.io.BufferBudget}); past
 * the budget, reads shrink to 4 KiB. So the heap a node needs is bounded by
 * <pre>
 *   base + buffer budget + cap x (the most one connection holds while the node is over budget)
 * </pre>
 * where the most one connection holds is its ClientHello twice (the bytes kept for the backend
 * and the reader's copy) plus its fixed state and two small reads, {@code 2 x hello + 16 KiB}
 * (48 KiB with the default 16 KiB hello limit; an idle relayed connection measures about 8 KiB).
 * Each connection takes two file descriptors (client and backend). The route table takes heap
 * too, about {@link #BYTES_PER_ROUTE} a route on the node holding the controller (measured:
 * docs/performance.md, "Kubernetes mode at scale"), so the cap is made again as the table grows or shrinks
 * ({@link #forRoutes}): the base then counts the table's routes.
 */
public record Capacity(int maxConnections, long bufferBudget, String why) {
  /** A node's heap without connections and routes (measured 20-42 MiB), with room to spare. */
  static final long BASE = 64L << 20;
  /**
   * Heap one route takes on the node holding the controller in Kubernetes mode, with its objects
   * (the informers' copy and Passage's), its actor, judgement and status, and its table entries:
   * ClusterScaleBenchmark measured 147 MiB after a full GC at 10,000 routes, about 12 KiB a route
   * beyond the base; the other nodes take half that, and standalone 5.5 KiB.
   */
  public static final long BYTES_PER_ROUTE = 12 << 10;
  static final long FIXED_PER_CONNECTION = 16 << 10;
  static final int RESERVED_DESCRIPTORS = 256;

  /** The most heap one connection holds while the node is over its buffer budget. */
  static long perConnection(int helloMaxBytes) {
    return 2L * helloMaxBytes + FIXED_PER_CONNECTION;
  }

  /**
   * configured: passage.proxy.max-connections, or a negative number for "auto"; maxHeap: the JVM's
   * -Xmx; descriptors: the process's open-files limit (a negative number if unknown).
   */
  public static Capacity of(int configured, long maxHeap, long descriptors, int helloMaxBytes) {
    return of(configured, maxHeap, descriptors, helloMaxBytes, 0, -1);
  }

  /**
   * The cap once the table holds this many routes (the buffer budget stays what it was at
   * start-up: connections then have the heap that neither the routes nor the budget take).
   */
  public Capacity forRoutes(int configured, long maxHeap, long descriptors, int helloMaxBytes, int routes) {
    return of(configured, maxHeap, descriptors, helloMaxBytes, routes, bufferBudget);
  }

  private static Capacity of(int configured, long maxHeap, long descriptors, int helloMaxBytes, int routes,
                             long fixedBudget) {
    long table = (long) routes * BYTES_PER_ROUTE;
    long spare = Math.max(0, maxHeap - BASE - table);
    long budget = fixedBudget >= 0 ? fixedBudget : spare / 4;
    long per = perConnection(helloMaxBytes);
    int byHeap = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (spare - budget) / per));
    int byFiles = descriptors < 0 ? Integer.MAX_VALUE
        : (int) Math.max(0, Math.min(Integer.MAX_VALUE, (descriptors - RESERVED_DESCRIPTORS) / 2));
    int most = Math.max(1, Math.min(byHeap, byFiles));
    String limits = String.format("a heap of %d MiB allows %,d (%d KiB each beyond %d MiB%s and a %d MiB buffer budget)%s",
        maxHeap >> 20, byHeap, per >> 10, BASE >> 20,
        routes == 0 ? "" : String.format(", %,d routes' %d MiB", routes, table >> 20), budget >> 20,
        byFiles == Integer.MAX_VALUE ? "" : String.format(", %,d open files allow %,d", descriptors, byFiles));
    if (configured < 0) return new Capacity(most, budget, "auto: " + limits);
    if (configured > most) {
      return new Capacity(most, budget, String.format("%,d configured, lowered to %,d: %s", configured, most, limits));
    }
    return new Capacity(configured, budget, String.format("%,d configured; %s", configured, limits));
  }

  /**
   * Whether the route table has crowded the connections out of the heap: this cap (with the table)
   * is under a quarter of the cap the same heap gave without it. Then the node says so at WARN,
   * with the heap to give it: at 50,000 routes the shipped -Xmx640m leaves one connection.
   */
  public boolean crowdedOut(Capacity withoutTable) {
    return (long) maxConnections * 4 < withoutTable.maxConnections;
  }

  /** Whether the configured cap had to be lowered. */
  public boolean lowered(int configured) {
    return configured >= 0 && maxConnections < configured;
  }
}
