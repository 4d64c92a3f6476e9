package dev.passage.control;

import dev.passage.resources.GatewayClassView;
import dev.passage.resources.GatewayView;
import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceEvent;
import dev.passage.resources.ResourceIndex;
import dev.passage.rules.GatewayRules;
import dev.passage.rules.RulesSettings;
import dev.passage.table.BindAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Receives the sources' events, keeps the snapshot of every object, and keeps one Gateway actor
 * per served Gateway and one Route actor per TLSRoute. Each batch of events makes a new snapshot,
 * which goes to every Gateway actor first and then to every Route actor.
 */
public final class Controller extends AbstractBehavior<Controller.Command> {
  public sealed interface Command {}

  public record Events(List<ResourceEvent> events) implements Command {}

  /** What the nodes could not bind, per binding address ({@link BindFailureWatch}). */
  record BindFailuresChanged(Map<BindAddress, String> failures) implements Command {}

  private final RulesSettings settings;
  private final ComputedStatuses state;
  private final ActorRef<TablePublisher.Command> publisher;
  private final Consumer<ResourceIndex> onIndex;
  private final Map<ObjectKey, ActorRef<GatewayActor.Command>> gateways = new TreeMap<>();
  private final Map<ObjectKey, ActorRef<RouteActor.Command>> routes = new TreeMap<>();
  private ResourceIndex index = ResourceIndex.EMPTY;
  private boolean synced;
  private long spawned;
  private Map<BindAddress, String> bindFailures = Map.of();

  /** onIndex: told every new snapshot (Kubernetes mode keeps the Gateways' Services from it). */
  public static Behavior<Command> create(RulesSettings settings, ComputedStatuses state,
                                         ActorRef<TablePublisher.Command> publisher, Consumer<ResourceIndex> onIndex) {
    return Behaviors.setup(ctx -> new Controller(ctx, settings, state, publisher, onIndex));
  }

  private Controller(ActorContext<Command> ctx, RulesSettings settings, ComputedStatuses state,
                     ActorRef<TablePublisher.Command> publisher, Consumer<ResourceIndex> onIndex) {
    super(ctx);
    this.settings = settings;
    this.state = state;
    this.publisher = publisher;
    this.onIndex = onIndex;
    ctx.spawn(BindFailureWatch.create(f -> ctx.getSelf().tell(new BindFailuresChanged(f))), "bind-failures");
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Events.class, this::onEvents)
        .onMessage(BindFailuresChanged.class, f -> {
          bindFailures = f.failures();
          GatewayActor.BindFailures changed = new GatewayActor.BindFailures(bindFailures);
          gateways.values().forEach(g -> g.tell(changed));
          return this;
        })
        .build();
  }

  private Behavior<Command> onEvents(Events batch) {
    ResourceIndex before = index;
    index = index.apply(batch.events());
    boolean syncs = batch.events().stream().anyMatch(e -> e instanceof ResourceEvent.Synced);
    boolean firstSync = !synced && syncs;
    synced |= firstSync;
    if (syncs) ControlMetrics.get(getContext().getSystem()).synced();
    // Nothing is judged before the source has delivered everything it held: a partial snapshot
    // (a route seen before its Service) would publish wrong tables and statuses. A controller
    // that has just moved here therefore changes nothing until it has caught up.
    if (!synced) return this;

    if (firstSync) {
      index.gatewayClasses().forEach(gc -> updateClassStatus(gc.key()));
    } else {
      for (ResourceEvent e : batch.events()) {
        if (e.key() != null && e.key().kind() == Kind.GATEWAY_CLASS) updateClassStatus(e.key());
      }
    }
    Set<ObjectKey> served = index.gateways().stream()
        .filter(g -> GatewayRules.isServedBy(g, index, settings))
        .map(GatewayView::key).collect(Collectors.toSet());
    for (ObjectKey gone : gateways.keySet()) {
      if (!served.contains(gone)) publisher.tell(new TablePublisher.Withdrawn(gone.ref()));
    }
    reconcileChildren(gateways, served, key -> GatewayActor.create(key, settings, state, publisher, bindFailures), "gateway-");
    Set<ObjectKey> routeKeys = index.routes().stream().map(r -> r.key()).collect(Collectors.toSet());
    reconcileChildren(routes, routeKeys, key -> RouteActor.create(key, settings, state), "route-");

    Map<NamespacedName, ActorRef<GatewayActor.Command>> byName = new HashMap<>();
    gateways.forEach((k, ref) -> byName.put(k.ref(), ref));
    Map<NamespacedName, ActorRef<GatewayActor.Command>> gatewayRefs = Map.copyOf(byName);
    GatewayActor.IndexChanged changed = new GatewayActor.IndexChanged(index);
    gateways.values().forEach(g -> g.tell(changed));
    RouteActor.Evaluate evaluate = new RouteActor.Evaluate(index, gatewayRefs);
    routes.values().forEach(r -> r.tell(evaluate));
    if (firstSync) {
      publisher.tell(new TablePublisher.AwaitFirst(gatewayRefs.keySet(), index.version()));
    }
    ChangeSet changes = ChangeSet.between(before, batch.events(), index, gatewayRefs.keySet(), firstSync);
    if (!changes.empty()) {
      publisher.tell(new TablePublisher.Changes(changes));
      ControlMetrics.get(getContext().getSystem()).applied(routes.size()); // every Route actor judges each snapshot
    }
    onIndex.accept(index);
    return this;
  }

  private void updateClassStatus(ObjectKey key) {
    index.get(key).map(GatewayClassView.class::cast)
        .filter(gc -> settings.controllerName().equals(gc.controllerName()))
        .ifPresentOrElse(gc -> state.putStatus(key, GatewayRules.classStatus(gc)), () -> state.removeStatus(key));
  }

  private <T> void reconcileChildren(Map<ObjectKey, ActorRef<T>> children, Set<ObjectKey> wanted,
                                     java.util.function.Function<ObjectKey, Behavior<T>> behavior, String prefix) {
    children.entrySet().removeIf(e -> {
      if (wanted.contains(e.getKey())) return false;
      getContext().stop(e.getValue());
      getContext().getLog().info("stopped tracking {}", e.getKey());
      return true;
    });
    for (ObjectKey key : wanted) {
      if (!children.containsKey(key)) {
        children.put(key, getContext().spawn(behavior.apply(key), prefix + (++spawned)));
        getContext().getLog().debug("tracking {}", key);
      }
    }
  }
}
