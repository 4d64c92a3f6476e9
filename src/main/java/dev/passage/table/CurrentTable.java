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

  void publish(RouteTable next) {
    table = next;
  }

  void markReady() {
    ready = true;
  }

  public boolean ready() {
    return ready;
  }
}
