package dev.passage.control;

import dev.passage.resources.BackendTlsPolicyView;
import dev.passage.resources.GatewayClassView;
import dev.passage.resources.GatewayView;
import dev.passage.resources.Input;
import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.Resource;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import dev.passage.table.BackendKey;
import dev.passage.rules.BackendTlsRules;
import dev.passage.rules.PolicyStatus;
import dev.passage.rules.GatewayRules;
import dev.passage.rules.Reconciler;
import dev.passage.table.ResolvedBackend;
import dev.passage.rules.RulesSettings;
import dev.passage.table.BindAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The control plane's core. Receives each batch of changes with its snapshot, keeps one Gateway
 * actor per served Gateway and one Route actor per route, and sends each change only to what
 * depends on it: the {@link Dependencies} of every route and Gateway (what it read when last
 * judged) say which read an input the batch changed. Also keeps the endpoints of the Service
 * ports routes name ({@link BackendEndpoints}), which an EndpointSlice change updates without
 * judging any route.
 *
 * <p>A judgement's reads arrive after the batches that followed it may have been applied; so the
 * controller remembers what recent batches changed, and judges again a route or Gateway whose new
 * reads met one of those changes. Nothing is judged before the source has delivered everything it
 * held: a partial snapshot (a route seen before its Service) would publish wrong tables and
 * statuses.
 */
public final class Controller extends AbstractBehavior<Controller.Command> {
  public sealed interface Command {}

  /** A batch of changes from this node's source, with the snapshot after it; synced: the source has delivered everything it held. */
  public record Changed(ResourceIndex.Update update, boolean synced) implements Command {}

  /** A route or Gateway was judged on snapshot version, reading these inputs. */
  record Judged(ObjectKey who, long version, Set<Input> reads) implements Command {}

  /** What the nodes could not bind, per binding address ({@link BindFailureWatch}). */
  record BindFailuresChanged(Map<BindAddress, String> failures) implements Command {}

  /** What a batch changed for Kubernetes mode's Gateway Services (full: everything, at the first sync). */
  public record ServicesInput(ResourceIndex index, List<ResourceIndex.Change> changes, boolean full) {}

  private final RulesSettings settings;
  private final ComputedStatuses state;
  private final ActorRef<TablePublisher.Command> publisher;
  private final Consumer<ServicesInput> onServices;
  private final ControlMetrics metrics;
  private final Dependencies deps = new Dependencies();
  private final BackendEndpoints endpoints = new BackendEndpoints();
  private final Map<NamespacedName, ActorRef<GatewayActor.Command>> gateways = new HashMap<>();
  private final Map<ObjectKey, ActorRef<RouteActor.Command>> routes = new HashMap<>();
  /** The Gateway actors each route reports to: what it was last told. */
  private final Map<ObjectKey, Set<NamespacedName>> targets = new HashMap<>();
  /** The routes whose parentRefs name each Gateway (served or not). */
  private final Map<NamespacedName, Set<ObjectKey>> namedBy = new HashMap<>();
  /** What recent batches changed, by version, while judgements made before them may be in flight. */
  private final Deque<Map.Entry<Long, Set<Input>>> recent = new ArrayDeque<>();
  /** The latest snapshot each route or Gateway was asked to judge itself on, until it reports that judgement. */
  private final Map<ObjectKey, Long> asked = new HashMap<>();
  /** How many of those were asked on each version (the oldest says which recent batches still matter). */
  private final TreeMap<Long, Integer> askedVersions = new TreeMap<>();
  private ResourceIndex index = ResourceIndex.EMPTY;
  private boolean synced;
  private long spawned;
  private Map<BindAddress, String> bindFailures = Map.of();

  /** onServices: told what each batch changed of Gateways and Services (Kubernetes mode keeps the Gateways' Services). */
  public static Behavior<Command> create(RulesSettings settings, ComputedStatuses state,
                                         ActorRef<TablePublisher.Command> publisher, Consumer<ServicesInput> onServices) {
    return Behaviors.setup(ctx -> new Controller(ctx, settings, state, publisher, onServices));
  }

  private Controller(ActorContext<Command> ctx, RulesSettings settings, ComputedStatuses state,
                     ActorRef<TablePublisher.Command> publisher, Consumer<ServicesInput> onServices) {
    super(ctx);
    this.settings = settings;
    this.state = state;
    this.publisher = publisher;
    this.onServices = onServices;
    this.metrics = ControlMetrics.get(ctx.getSystem());
    ctx.spawn(BindFailureWatch.create(f -> ctx.getSelf().tell(new BindFailuresChanged(f))), "bind-failures");
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Changed.class, this::onChanged)
        .onMessage(Judged.class, this::onJudged)
        .onMessage(BindFailuresChanged.class, f -> {
          bindFailures = f.failures();
          GatewayActor.BindFailures changed = new GatewayActor.BindFailures(bindFailures);
          gateways.values().forEach(g -> g.tell(changed));
          return this;
        })
        .build();
  }

  private Behavior<Command> onChanged(Changed c) {
    ResourceIndex before = index;
    index = c.update().after();
    if (c.synced()) metrics.synced();
    if (!synced && !c.synced()) return this;
    if (!synced) {
      synced = true;
      judgeEverything();
    } else {
      judgeChanges(before, c.update().changes());
    }
    return this;
  }

  /** The first complete snapshot: every object is new to this controller. */
  private void judgeEverything() {
    index.gatewayClasses().forEach(gc -> updateClassStatus(gc.key()));
    Set<BackendKey> named = new HashSet<>();
    for (RouteView r : index.routes()) {
      for (NamespacedName g : GatewayRules.named(r)) namedBy.computeIfAbsent(g, k -> new HashSet<>()).add(r.key());
      named.addAll(endpoints.renamed(Set.of(), Reconciler.namedBackends(r)));
    }
    for (Resource p : index.all(Kind.BACKEND_TLS_POLICY)) judgePolicy(p.key()); // statuses; their ports are in named
    for (Resource p : index.all(Kind.TRAFFIC_POLICY)) judgePolicy(p.key());
    publishEndpoints(named);
    Set<ObjectKey> judgeGateways = new LinkedHashSet<>();
    for (GatewayView g : index.gateways()) {
      if (GatewayRules.isServedBy(g, index, settings)) {
        spawnGateway(g.key());
        judgeGateways.add(g.key());
      }
    }
    Set<ObjectKey> all = new LinkedHashSet<>();
    index.routes().forEach(r -> all.add(r.key()));
    Map<NamespacedName, Set<ObjectKey>> expect = evaluate(all);
    for (ObjectKey g : judgeGateways) {
      gateways.get(g.ref()).tell(new GatewayActor.Expect(index, expect.getOrDefault(g.ref(), Set.of()), true));
      ask(g);
    }
    publisher.tell(new TablePublisher.AwaitFirst(Set.copyOf(gateways.keySet()), index.version()));
    publisher.tell(new TablePublisher.Changes(ChangeSet.first(index.version(), gateways.keySet(), index.size())));
    metrics.applied(all.size());
    onServices.accept(new ServicesInput(index, List.of(), true));
  }

  /** A batch after the first: only what depends on the changed objects is judged again. */
  private void judgeChanges(ResourceIndex before, List<ResourceIndex.Change> changes) {
    if (changes.isEmpty()) return;
    Set<Input> inputs = new LinkedHashSet<>();
    Set<ObjectKey> dirtyRoutes = new LinkedHashSet<>();
    Set<ObjectKey> dirtyGateways = new LinkedHashSet<>();
    Set<BackendKey> endpointsToRefresh = new LinkedHashSet<>();
    Set<ObjectKey> dirtyPolicies = new LinkedHashSet<>();
    boolean servicesConcerned = false;
    for (ResourceIndex.Change change : changes) {
      inputs.addAll(change.inputs());
      ObjectKey key = change.key();
      switch (key.kind()) {
        case TLS_ROUTE, HTTP_ROUTE, TCP_ROUTE, UDP_ROUTE -> {
          dirtyRoutes.add(key);
          RouteView was = (RouteView) change.before();
          RouteView now = (RouteView) change.after();
          Set<NamespacedName> parentsBefore = was == null ? Set.of() : GatewayRules.named(was);
          Set<NamespacedName> parentsAfter = now == null ? Set.of() : GatewayRules.named(now);
          for (NamespacedName g : parentsBefore) {
            if (parentsAfter.contains(g)) continue;
            Set<ObjectKey> rs = namedBy.get(g);
            if (rs != null && rs.remove(key) && rs.isEmpty()) namedBy.remove(g);
          }
          for (NamespacedName g : parentsAfter) namedBy.computeIfAbsent(g, k -> new HashSet<>()).add(key);
          endpointsToRefresh.addAll(endpoints.renamed(was == null ? Set.of() : Reconciler.namedBackends(was),
              now == null ? Set.of() : Reconciler.namedBackends(now)));
        }
        case GATEWAY_CLASS -> {
          updateClassStatus(key);
          servicesConcerned = true;
        }
        case GATEWAY -> {
          dirtyGateways.add(key);
          servicesConcerned = true;
        }
        case LISTENER_SET -> servicesConcerned = true; // its Gateway's ports; the Gateways that read it are its dependants
        case SERVICE -> {
          endpointsToRefresh.addAll(endpoints.of(key.ref()));
          servicesConcerned |= managed(change.before()) || managed(change.after());
        }
        case ENDPOINT_SLICE -> {
          for (Input i : change.inputs()) {
            if (i instanceof Input.Slices s) endpointsToRefresh.addAll(endpoints.of(s.service()));
          }
        }
        case BACKEND_TLS_POLICY -> {
          dirtyPolicies.add(key);
          // the ports of the Services it covered and covers now: their backend TLS may have changed
          for (Input i : change.inputs()) {
            if (i instanceof Input.Policies p) endpointsToRefresh.addAll(endpoints.of(p.service()));
          }
        }
        case TRAFFIC_POLICY -> {
          dirtyPolicies.add(key);
          // the ports of the Services it targeted and targets: their PROXY header, checks and ejection;
          // the Gateways and routes it targets read it, and are its dependants
          for (Input i : change.inputs()) {
            if (i instanceof Input.TrafficPolicies t && t.target().kind() == Kind.SERVICE) {
              endpointsToRefresh.addAll(endpoints.of(t.target().ref()));
            }
          }
        }
        default -> { }
      }
    }
    Set<ObjectKey> dependants = deps.dependantsOf(inputs);
    for (ObjectKey d : dependants) {
      if (d.kind() == Kind.TRAFFIC_POLICY) dirtyPolicies.add(d); // its status read what changed
      if (d.kind() != Kind.BACKEND_TLS_POLICY || !dirtyPolicies.add(d)) continue;
      // a policy that read what changed (a CA ConfigMap): the ports of the Services it covers
      index.get(d).map(BackendTlsPolicyView.class::cast)
          .ifPresent(p -> p.services().forEach(svc -> endpointsToRefresh.addAll(endpoints.of(svc))));
    }
    dirtyPolicies.forEach(this::judgePolicy);
    // endpoints first: a route that names a new Service port finds its endpoints already out
    publishEndpoints(endpointsToRefresh);
    servedGatewaysChanged(changes, dirtyRoutes, dirtyGateways);
    recent.addLast(Map.entry(index.version(), Set.copyOf(inputs)));
    for (ObjectKey d : dependants) {
      if (d.kind() == Kind.GATEWAY) dirtyGateways.add(d);
      else if (d.kind() != Kind.BACKEND_TLS_POLICY && d.kind() != Kind.TRAFFIC_POLICY) dirtyRoutes.add(d);
    }

    Map<NamespacedName, Set<ObjectKey>> expect = evaluate(dirtyRoutes);
    Set<NamespacedName> concerned = new LinkedHashSet<>(expect.keySet());
    dirtyGateways.forEach(g -> concerned.add(g.ref()));
    Set<NamespacedName> told = new LinkedHashSet<>();
    for (NamespacedName g : concerned) {
      ActorRef<GatewayActor.Command> ref = gateways.get(g);
      if (ref == null) continue;
      ObjectKey key = ObjectKey.of(Kind.GATEWAY, g.namespace(), g.name());
      boolean judge = dirtyGateways.contains(key);
      ref.tell(new GatewayActor.Expect(index, expect.getOrDefault(g, Set.of()), judge));
      if (judge) ask(key);
      told.add(g);
    }
    ChangeSet set = ChangeSet.of(index.version(), told, changes);
    if (!set.empty()) publisher.tell(new TablePublisher.Changes(set));
    metrics.applied(dirtyRoutes.size());
    if (servicesConcerned) onServices.accept(new ServicesInput(index, changes, false));
    pruneRecent();
  }

  /**
   * Starts and stops Gateway actors as Gateways become served or stop being (their class changed,
   * they were made or deleted); the routes naming them are judged again, and the Gateways that
   * start are judged.
   */
  private void servedGatewaysChanged(List<ResourceIndex.Change> changes, Set<ObjectKey> dirtyRoutes,
                                     Set<ObjectKey> dirtyGateways) {
    Set<ObjectKey> candidates = new LinkedHashSet<>();
    Set<String> classes = new HashSet<>();
    for (ResourceIndex.Change c : changes) {
      if (c.key().kind() == Kind.GATEWAY) candidates.add(c.key());
      if (c.key().kind() == Kind.GATEWAY_CLASS) classes.add(c.key().name());
    }
    if (!classes.isEmpty()) { // a class changed: its Gateways (rare: look at them all)
      for (GatewayView g : index.gateways()) if (classes.contains(g.gatewayClassName())) candidates.add(g.key());
      for (NamespacedName g : gateways.keySet()) candidates.add(ObjectKey.of(Kind.GATEWAY, g.namespace(), g.name()));
    }
    for (ObjectKey g : candidates) {
      boolean served = index.gateway(g.namespace(), g.name()).map(v -> GatewayRules.isServedBy(v, index, settings)).orElse(false);
      boolean running = gateways.containsKey(g.ref());
      if (served == running) continue;
      if (served) {
        spawnGateway(g);
        dirtyGateways.add(g);
      } else {
        getContext().stop(gateways.remove(g.ref()));
        deps.forget(g);
        answered(g);
        publisher.tell(new TablePublisher.Withdrawn(g.ref()));
        getContext().getLog().info("stopped serving Gateway {}", g.ref());
      }
      dirtyRoutes.addAll(namedBy.getOrDefault(g.ref(), Set.of()));
    }
  }

  /**
   * Asks each of these routes to judge itself (or, gone, to stop) and report to the Gateway
   * actors it names now or reported to before; returns, per Gateway, the routes that will report.
   */
  private Map<NamespacedName, Set<ObjectKey>> evaluate(Collection<ObjectKey> dirty) {
    Map<NamespacedName, Set<ObjectKey>> expect = new HashMap<>();
    for (ObjectKey r : dirty) {
      Set<NamespacedName> before = targets.getOrDefault(r, Set.of());
      RouteView route = (RouteView) index.get(r).orElse(null);
      Map<NamespacedName, ActorRef<GatewayActor.Command>> reportTo = new LinkedHashMap<>();
      Set<NamespacedName> now = new LinkedHashSet<>();
      if (route != null) {
        for (NamespacedName g : GatewayRules.parents(route, index)) if (gateways.containsKey(g)) now.add(g);
      }
      for (NamespacedName g : before) if (gateways.containsKey(g)) reportTo.put(g, gateways.get(g));
      for (NamespacedName g : now) reportTo.put(g, gateways.get(g));
      reportTo.keySet().forEach(g -> expect.computeIfAbsent(g, k -> new LinkedHashSet<>()).add(r));
      ActorRef<RouteActor.Command> actor = routes.get(r);
      if (route == null) {
        if (actor != null) actor.tell(new RouteActor.Remove(index.version(), List.copyOf(reportTo.values())));
        routes.remove(r);
        targets.remove(r);
        deps.forget(r);
        answered(r);
        continue;
      }
      if (actor == null) {
        actor = getContext().spawn(RouteActor.create(r, settings, state, getContext().getSelf()), "route-" + (++spawned));
        routes.put(r, actor);
      }
      actor.tell(new RouteActor.Evaluate(index, reportTo));
      ask(r);
      if (now.isEmpty()) targets.remove(r);
      else targets.put(r, now);
    }
    return expect;
  }

  private Behavior<Command> onJudged(Judged j) {
    Long latest = asked.get(j.who());
    if (latest != null && j.version() >= latest) answered(j.who()); // else a later judgement is still to come
    boolean alive = j.who().kind() == Kind.GATEWAY ? gateways.containsKey(j.who().ref()) : routes.containsKey(j.who());
    if (!alive) return this;
    deps.record(j.who(), j.reads());
    // a batch applied after this judgement's snapshot may have changed what it read for the first time
    boolean stale = false;
    for (Map.Entry<Long, Set<Input>> batch : recent) {
      if (batch.getKey() <= j.version()) continue;
      for (Input i : j.reads()) {
        if (batch.getValue().contains(i)) {
          stale = true;
          break;
        }
      }
      if (stale) break;
    }
    if (stale) {
      if (j.who().kind() == Kind.GATEWAY) {
        gateways.get(j.who().ref()).tell(new GatewayActor.Expect(index, Set.of(), true));
        ask(j.who());
      } else {
        evaluate(List.of(j.who())); // the Gateways it reports to apply the report as it comes
      }
    }
    pruneRecent();
    return this;
  }

  /**
   * A BackendTLSPolicy or TrafficPolicy judged here, at once (it is small: its CA references or
   * targets, the policies naming the same objects, the routes naming them and their Gateways): its
   * status, and what it read, so that a change to any of that judges it again.
   */
  private void judgePolicy(ObjectKey key) {
    Resource policy = index.get(key).orElse(null);
    if (policy == null) {
      deps.forget(key);
      state.removeStatus(key);
      return;
    }
    Set<Input> reads = new HashSet<>();
    PolicyStatus status = policy instanceof dev.passage.resources.TrafficPolicyView tp
        ? dev.passage.rules.TrafficPolicyRules.status(tp, index.reading(reads), settings)
        : BackendTlsRules.status((BackendTlsPolicyView) policy, index.reading(reads), settings);
    if (status.ancestors().isEmpty()) state.removeStatus(key);
    else state.putStatus(key, status);
    deps.record(key, reads);
  }

  /** A judgement on the current snapshot is asked of who. */
  private void ask(ObjectKey who) {
    Long before = asked.put(who, index.version());
    if (before != null) askedVersions.computeIfPresent(before, (v, n) -> n == 1 ? null : n - 1);
    askedVersions.merge(index.version(), 1, Integer::sum);
  }

  /** who has reported the judgement last asked of it (or is gone). */
  private void answered(ObjectKey who) {
    Long before = asked.remove(who);
    if (before != null) askedVersions.computeIfPresent(before, (v, n) -> n == 1 ? null : n - 1);
  }

  /** Forgets the batches that no judgement still to come was asked before. */
  private void pruneRecent() {
    long oldest = askedVersions.isEmpty() ? Long.MAX_VALUE : askedVersions.firstKey();
    while (!recent.isEmpty() && recent.peekFirst().getKey() <= oldest) recent.removeFirst();
  }

  private void publishEndpoints(Collection<BackendKey> keys) {
    if (keys.isEmpty()) return;
    Map<BackendKey, dev.passage.table.EndpointsEntry> changed = endpoints.refresh(index, keys);
    if (!changed.isEmpty()) publisher.tell(new TablePublisher.EndpointsUpdate(changed));
  }

  private void spawnGateway(ObjectKey g) {
    ActorRef<GatewayActor.Command> ref = getContext().spawn(
        GatewayActor.create(g, settings, state, publisher, getContext().getSelf(), bindFailures), "gateway-" + (++spawned));
    gateways.put(g.ref(), ref);
    getContext().getLog().debug("serving Gateway {}", g.ref());
  }

  private static boolean managed(Resource r) {
    return r != null && dev.passage.rules.ServicePlacement.MANAGED_BY.equals(
        r.meta().labels().get(dev.passage.rules.ServicePlacement.MANAGED_BY_LABEL));
  }

  private void updateClassStatus(ObjectKey key) {
    index.get(key).map(GatewayClassView.class::cast)
        .filter(gc -> settings.controllerName().equals(gc.controllerName()))
        .ifPresentOrElse(gc -> state.putStatus(key, GatewayRules.classStatus(gc)), () -> state.removeStatus(key));
  }

  /** For tests: how many dependency edges the controller holds. */
  int dependencyEdges() {
    return deps.edges();
  }
}
