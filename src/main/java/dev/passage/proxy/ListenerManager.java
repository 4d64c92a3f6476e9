package dev.passage.proxy;

import dev.passage.proxy.io.NioTcp;
import dev.passage.table.BindAddress;
import dev.passage.table.GatewayTable;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Keeps one TCP binding per address and port the route table names: binds new ones, unbinds
 * the ones no table names any more. Unbinding stops accepting; established connections go on.
 * A port that cannot be bound is logged and retried on the next table change.
 */
public final class ListenerManager extends AbstractBehavior<ListenerManager.Command> {
  public sealed interface Command {}

  public record Rebind(Set<BindAddress> wanted) implements Command {}

  private final NioTcp tcp;
  private final ConnectionHandler handler;
  private final DataPlane state;
  private final int backlog;
  private final String anyNodeAddress;
  private final Map<BindAddress, NioTcp.Binding> bound = new HashMap<>();
  private Set<BindAddress> wanted = Set.of();

  /** anyNodeAddress: what this node binds for the table's "*" address (Kubernetes mode). */
  public static Behavior<Command> create(NioTcp tcp, ConnectionHandler handler, DataPlane state, int backlog,
                                         String anyNodeAddress) {
    return Behaviors.setup(ctx -> new ListenerManager(ctx, tcp, handler, state, backlog, anyNodeAddress));
  }

  private ListenerManager(ActorContext<Command> ctx, NioTcp tcp, ConnectionHandler handler, DataPlane state,
                          int backlog, String anyNodeAddress) {
    super(ctx);
    this.tcp = tcp;
    this.handler = handler;
    this.state = state;
    this.backlog = backlog;
    this.anyNodeAddress = anyNodeAddress;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Rebind.class, this::onRebind)
        .build();
  }

  private Behavior<Command> onRebind(Rebind r) {
    wanted = Set.copyOf(r.wanted());
    bound.entrySet().removeIf(e -> {
      if (wanted.contains(e.getKey())) return false;
      e.getValue().unbind();
      state.bindingRemoved(e.getKey());
      getContext().getLog().info("stopped listening on {}", e.getKey());
      return true;
    });
    for (BindAddress address : wanted) {
      if (!bound.containsKey(address)) bind(address);
    }
    state.bindings().keySet().stream().filter(a -> !wanted.contains(a)).forEach(state::bindingRemoved);
    return this;
  }

  /** Binding is immediate: the port is ours now, or the reason why not is known now. */
  private void bind(BindAddress address) {
    String host = address.host().equals(GatewayTable.ANY_NODE) ? anyNodeAddress : address.host();
    try {
      NioTcp.Binding binding = tcp.bind(host, address.port(), backlog,
          connection -> handler.accept(address, connection));
      bound.put(address, binding);
      state.bindingState(address, "bound");
      getContext().getLog().info("listening on {}", binding.localAddress());
    } catch (java.io.IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      state.bindingState(address, "failed: " + why);
      getContext().getLog().error("cannot listen on {}: {}", address, why);
    }
  }
}
