package dev.passage.proxy;

import dev.passage.proxy.io.NioTcp;
import dev.passage.table.BindAddress;
import dev.passage.table.BindFailures;
import java.util.List;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
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
 * Keeps one TCP binding per address and port the route table names, and one UDP relay per UDP
 * address: binds new ones, unbinds the ones no table names any more. Unbinding stops accepting;
 * established connections go on (a UDP relay's flows end with it).
 * A port that cannot be bound (in use, an address this host does not have) is logged once, marked
 * failed, and tried again on its own, after 1 s and then twice as long each time up to 30 s, for as
 * long as a table names it. The addresses it cannot bind are published in {@link BindFailures}
 * under this node's entry, for the control plane to report (listener Programmed=False).
 */
public final class ListenerManager extends AbstractBehavior<ListenerManager.Command> {
  public sealed interface Command {}

  public record Rebind(Set<BindAddress> wanted) implements Command {}

  private record RetryBind(BindAddress address) implements Command {}

  static final java.time.Duration FIRST_RETRY = java.time.Duration.ofSeconds(1);
  static final java.time.Duration LONGEST_RETRY = java.time.Duration.ofSeconds(30);

  private final NioTcp tcp;
  private final ConnectionHandler handler;
  private final DataPlane state;
  private final int backlog;
  private final String anyNodeAddress;
  private final UdpListeners udp;
  /** What undoes each binding: a TCP listener's unbind, a UDP relay's close. */
  private final Map<BindAddress, Runnable> bound = new HashMap<>();
  private Set<BindAddress> wanted = Set.of();
  private final Map<BindAddress, java.time.Duration> retryAfter = new HashMap<>();
  private final org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers;
  /** The causes this node last published: only a change is written. */
  private final Map<BindAddress, String> failed = new java.util.TreeMap<>();
  private List<BindFailures.Failure> published = List.of();

  /** anyNodeAddress: what this node binds for the table's "*" address (Kubernetes mode). */
  public static Behavior<Command> create(NioTcp tcp, UdpListeners udp, ConnectionHandler handler, DataPlane state,
                                         int backlog, String anyNodeAddress) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new ListenerManager(ctx, timers, tcp, udp, handler, state, backlog, anyNodeAddress)));
  }

  private ListenerManager(ActorContext<Command> ctx, org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers,
                          NioTcp tcp, UdpListeners udp, ConnectionHandler handler, DataPlane state, int backlog,
                          String anyNodeAddress) {
    super(ctx);
    this.udp = udp;
    this.timers = timers;
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
        .onMessage(RetryBind.class, r -> {
          if (wanted.contains(r.address()) && !bound.containsKey(r.address())) bind(r.address());
          publishFailures();
          return this;
        })
        .build();
  }

  private Behavior<Command> onRebind(Rebind r) {
    wanted = Set.copyOf(r.wanted());
    bound.entrySet().removeIf(e -> {
      if (wanted.contains(e.getKey())) return false;
      e.getValue().run();
      state.bindingRemoved(e.getKey());
      getContext().getLog().info("stopped listening on {}", e.getKey());
      return true;
    });
    retryAfter.keySet().removeIf(a -> {
      if (wanted.contains(a)) return false;
      timers.cancel(a);
      return true;
    });
    for (BindAddress address : wanted) {
      if (!bound.containsKey(address) && !retryAfter.containsKey(address)) bind(address); // a failed one has its own timer
    }
    state.bindings().keySet().stream().filter(a -> !wanted.contains(a)).forEach(state::bindingRemoved);
    failed.keySet().retainAll(wanted);
    publishFailures();
    return this;
  }

  private void publishFailures() {
    List<BindFailures.Failure> now = failed.entrySet().stream()
        .map(e -> new BindFailures.Failure(e.getKey(), e.getValue())).toList();
    if (now.equals(published)) return;
    published = now;
    DistributedData ddata = DistributedData.get(getContext().getSystem());
    String node = ddata.selfUniqueAddress().uniqueAddress().address().toString();
    ddata.replicator().tell(new Replicator.Update<>(BindFailures.KEY, LWWMap.empty(), Replicator.writeLocal(),
        getContext().getSystem().ignoreRef(), map -> map.put(ddata.selfUniqueAddress(), node, new BindFailures(now))));
  }

  /** Binding is immediate: the port is ours now, or the reason why not is known now. */
  private void bind(BindAddress address) {
    String host = address.host().equals(GatewayTable.ANY_NODE) ? anyNodeAddress : address.host();
    try {
      java.net.InetSocketAddress local;
      if (address.udp()) {
        dev.passage.proxy.io.UdpRelay relay = udp.bind(address, host);
        bound.put(address, relay::close);
        local = relay.localAddress();
      } else {
        NioTcp.Binding binding = tcp.bind(host, address.port(), backlog, connection -> handler.accept(address, connection));
        bound.put(address, binding::unbind);
        local = binding.localAddress();
      }
      String shown = local + (address.udp() ? " (UDP)" : "");
      state.bindingState(address, "bound");
      failed.remove(address);
      if (retryAfter.remove(address) != null) getContext().getLog().info("listening on {} (it was refused before)", shown);
      else getContext().getLog().info("listening on {}", shown);
    } catch (java.io.IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      java.time.Duration last = retryAfter.get(address);
      java.time.Duration next = last == null ? FIRST_RETRY
          : last.multipliedBy(2).compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : last.multipliedBy(2);
      retryAfter.put(address, next);
      failed.put(address, why);
      state.bindingState(address, "failed: " + why + " (trying again in " + next.toSeconds() + " s)");
      if (last == null) getContext().getLog().error("cannot listen on {}: {}; trying again until it can", address, why);
      timers.startSingleTimer(address, new RetryBind(address), next);
    }
  }
}
