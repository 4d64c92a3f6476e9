package dev.passage.control;

import dev.passage.resources.NamespacedName;
import dev.passage.table.GatewayTable;
import dev.passage.table.RouteTable;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Merges the Gateways' tables into the one RouteTable the data plane reads, swaps it in, and
 * tells the listeners. The first table counts as built once every Gateway known at the first
 * sync has published a table for that snapshot or a later one.
 */
public final class TablePublisher {
  public sealed interface Command {}

  public record Published(GatewayTable table, long version) implements Command {}

  public record Withdrawn(NamespacedName gateway) implements Command {}

  /** From the controller at the first sync: these Gateways must publish at least this version. */
  public record AwaitFirst(Set<NamespacedName> gateways, long version) implements Command {}

  private TablePublisher() {}

  public static Behavior<Command> create(PassageState state, Consumer<RouteTable> onChange) {
    return Behaviors.setup(ctx -> new Publisher(state, onChange).running(RouteTable.EMPTY, Map.of(), null));
  }

  private record Publisher(PassageState state, Consumer<RouteTable> onChange) {
    /** versions: the snapshot each Gateway last published; awaiting: null until the first sync. */
    Behavior<Command> running(RouteTable table, Map<NamespacedName, Long> versions, AwaitFirst awaiting) {
      return Behaviors.receive(Command.class)
          .onMessage(Published.class, p -> {
            RouteTable next = table.with(p.table());
            Map<NamespacedName, Long> v = new HashMap<>(versions);
            v.put(p.table().gateway(), p.version());
            return swap(next, v, awaiting);
          })
          .onMessage(Withdrawn.class, w -> {
            Map<NamespacedName, Long> v = new HashMap<>(versions);
            v.remove(w.gateway());
            return swap(table.without(w.gateway()), v, awaiting);
          })
          .onMessage(AwaitFirst.class, a -> swap(table, versions, a))
          .build();
    }

    private Behavior<Command> swap(RouteTable next, Map<NamespacedName, Long> versions, AwaitFirst awaiting) {
      state.publish(next);
      if (awaiting != null && !state.tableReady()) {
        boolean all = awaiting.gateways().stream()
            .allMatch(g -> versions.getOrDefault(g, -1L) >= awaiting.version());
        if (all) state.markTableReady();
      }
      onChange.accept(next);
      return running(next, versions, awaiting);
    }
  }
}
