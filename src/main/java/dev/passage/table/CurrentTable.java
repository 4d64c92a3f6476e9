package dev.passage.table;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * This node's route table, one per ActorSystem: one volatile reference, swapped whole by
 * {@link ReplicatedTables} and read by every new connection; and whether the node holds the
 * cluster's current tables yet (the first complete table has arrived).
 */
public final class CurrentTable implements Extension {
  private volatile RouteTable table = RouteTable.EMPTY;
  private volatile boolean ready;
  private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
  private volatile long lastChangeMillis;

  public static final class Id extends ExtensionId<CurrentTable> {
    @Override
    public CurrentTable createExtension(ActorSystem<?> system) {
      return new CurrentTable();
    }
  }

  private static final Id ID = new Id();

  public static CurrentTable get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public RouteTable get() {
    return table;
  }

  /** Swaps in a table that differs from the current one (a swap that changes nothing is never made). */
  void publish(RouteTable next) {
    changes.incrementAndGet();
    lastChangeMillis = System.currentTimeMillis();
    table = next;
  }

  /** How many times this node's table has changed since it started (its local version). */
  public long changes() {
    return changes.get();
  }

  /** When the table last changed (epoch milliseconds), 0 before the first. */
  public long lastChangeMillis() {
    return lastChangeMillis;
  }

  void markReady() {
    ready = true;
  }

  public boolean ready() {
    return ready;
  }
}
