package dev.passage.ops;

import dev.passage.control.ComputedStatuses;
import dev.passage.proxy.DataPlane;
import dev.passage.table.CurrentTable;
import org.apache.pekko.actor.typed.ActorSystem;

/** What the management routes read of this node, composed from the stages that own it. */
record NodeView(CurrentTable table, DataPlane dataPlane, ComputedStatuses statuses) {
  NodeView(ActorSystem<?> system) {
    this(CurrentTable.get(system), DataPlane.get(system), ComputedStatuses.get(system));
  }

  /** The node holds the current tables and no listener is still being bound. */
  boolean ready() {
    return table.ready() && dataPlane.listenersSettled();
  }
}
