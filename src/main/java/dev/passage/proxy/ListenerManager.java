package dev.passage.proxy;

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
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;

/**
 * Keeps one TCP binding per address and port the route table names: binds new ones, unbinds
 * the ones no table names any more. Unbinding stops accepting; established connections go on.
 * A port that cannot be bound is logged and retried on the next table change.
 */
public final class ListenerManager extends AbstractBehavior<ListenerManager.Command> {
  public sealed interface Command {}

  public record Rebind(Set<BindAddress> wanted) implements Command {}

  private record Bound(BindAddress address, Tcp.ServerBinding binding) implements Command {}

  private record BindFailed(BindAddress address, Throwable cause) implements Command {}

  private final ConnectionHandler handler;
  private final DataPlane state;
  private final int backlog;
  private final String anyNodeAddress;
  private final Map<BindAddress, Tcp.ServerBinding> bound = new HashMap<>();
  private final Map<BindAddress, Boolean> pending = new HashMap<>();
  private Set<BindAddress> wanted = Set.of();

  /** anyNodeAddress: what this node binds for the table's "*" address (Kubernetes mode). */
  public static Behavior<Command> create(ConnectionHandler handler, DataPlane state, int backlog,
                                         String anyNodeAddress) {
    return Behaviors.setup(ctx -> new ListenerManager(ctx, handler, state, backlog, anyNodeAddress));
  }

  private ListenerManager(ActorContext<Command> ctx, ConnectionHandler handler, DataPlane state, int backlog,
                          String anyNodeAddress) {
    super(ctx);
    this.handler = handler;
    this.state = state;
    this.backlog = backlog;
    this.anyNodeAddress = anyNodeAddress;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Rebind.class, this::onRebind)
        .onMessage(Bound.class, this::onBound)
        .onMessage(BindFailed.class, this::onBindFailed)
        .build();
  }

  private Behavior<Command> onRebind(Rebind r) {
    wanted = Set.copyOf(r.wanted());
    for (BindAddress address : wanted) {
      if (!bound.containsKey(address) && !pending.containsKey(address)) bind(address);
    }
    bound.entrySet().removeIf(e -> {
      if (wanted.contains(e.getKey())) return false;
      e.getValue().unbind();
      state.bindingRemoved(e.getKey());
      getContext().getLog().info("stopped listening on {}", e.getKey());
      return true;
    });
    state.bindings().keySet().stream()
        .filter(a -> !wanted.contains(a) && !pending.containsKey(a))
        .forEach(state::bindingRemoved);
    return this;
  }

  private void bind(BindAddress address) {
    pending.put(address, true);
    state.bindingState(address, "binding");
    var system = getContext().getSystem();
    var binding = Tcp.get(system)
        .bind(address.host().equals(GatewayTable.ANY_NODE) ? anyNodeAddress : address.host(), address.port(), backlog,
            java.util.List.of(), true, java.util.Optional.empty())
        .to(Sink.foreach(conn -> conn.handleWith(handler.flow(address, conn.remoteAddress()), system)))
        .run(system);
    getContext().pipeToSelf(binding, (b, err) -> err == null ? new Bound(address, b) : new BindFailed(address, err));
  }

  private Behavior<Command> onBound(Bound b) {
    pending.remove(b.address());
    if (!wanted.contains(b.address())) {
      b.binding().unbind();
      state.bindingRemoved(b.address());
      return this;
    }
    bound.put(b.address(), b.binding());
    state.bindingState(b.address(), "bound");
    getContext().getLog().info("listening on {}", b.binding().localAddress());
    return this;
  }

  private Behavior<Command> onBindFailed(BindFailed f) {
    pending.remove(f.address());
    if (!wanted.contains(f.address())) {
      state.bindingRemoved(f.address());
      return this;
    }
    String why = f.cause().getMessage();
    state.bindingState(f.address(), "failed: " + why);
    getContext().getLog().error("cannot listen on {}: {}", f.address(), why);
    return this;
  }
}
