package dev.passage.control;

import dev.passage.resources.GatewayView;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceIndex;
import dev.passage.rules.BindingRules;
import dev.passage.rules.GatewayEvaluation;
import dev.passage.rules.GatewayRules;
import dev.passage.rules.RouteAttachment;
import dev.passage.rules.RulesSettings;
import dev.passage.table.BindAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One per Gateway that Passage serves. It collects the attachment reports of the routes that
 * name it and, once every one of them has reported on the current snapshot, computes its status
 * and table and publishes them: a Gateway never publishes a table mixing two snapshots.
 * (Its report map is mutable, held by the actor alone: with thousands of routes, copying it on
 * every report would cost the square of their number.)
 */
public final class GatewayActor extends AbstractBehavior<GatewayActor.Command> {
  public sealed interface Command {}

  public record IndexChanged(ResourceIndex index) implements Command {}

  public record RouteReport(NamespacedName route, long version, Optional<RouteAttachment> attachment)
      implements Command {}

  /** What the nodes could not bind: a listener on such an address is not Programmed. */
  record BindFailures(Map<BindAddress, String> failures) implements Command {}

  private final ObjectKey key;
  private final RulesSettings settings;
  private final ComputedStatuses state;
  private final ActorRef<TablePublisher.Command> publisher;
  private ResourceIndex index = ResourceIndex.EMPTY;
  private Set<NamespacedName> expected = Set.of();
  private final Map<NamespacedName, RouteReport> reports = new HashMap<>();
  /** How many expected routes have not yet reported on the current snapshot. */
  private int missing;
  /** Whether this snapshot's status and table are out. */
  private boolean published;
  private Map<BindAddress, String> bindFailures;
  /** The last evaluation, before the bind failures are applied to its status. */
  private GatewayEvaluation evaluation;

  public static Behavior<Command> create(ObjectKey key, RulesSettings settings, ComputedStatuses state,
                                         ActorRef<TablePublisher.Command> publisher,
                                         Map<BindAddress, String> bindFailures) {
    return Behaviors.setup(ctx -> new GatewayActor(ctx, key, settings, state, publisher, bindFailures));
  }

  private GatewayActor(ActorContext<Command> ctx, ObjectKey key, RulesSettings settings, ComputedStatuses state,
                       ActorRef<TablePublisher.Command> publisher, Map<BindAddress, String> bindFailures) {
    super(ctx);
    this.bindFailures = bindFailures;
    this.key = key;
    this.settings = settings;
    this.state = state;
    this.publisher = publisher;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(IndexChanged.class, this::onIndex)
        .onMessage(RouteReport.class, this::onReport)
        .onMessage(BindFailures.class, f -> {
          bindFailures = f.failures();
          if (evaluation != null) state.putStatus(key, BindingRules.apply(evaluation.status(), evaluation.table(), bindFailures));
          return this;
        })
        .onSignal(PostStop.class, s -> {
          // not Withdrawn here: the actor also stops when the controller moves to another node,
          // and the tables must stay. The Controller withdraws a Gateway that is gone.
          state.removeStatus(key);
          return this;
        })
        .build();
  }

  private Behavior<Command> onIndex(IndexChanged m) {
    if (m.index().get(key).isEmpty()) return this; // the controller stops us
    index = m.index();
    expected = GatewayRules.routesNaming((GatewayView) index.get(key).get(), index);
    reports.keySet().retainAll(expected);
    missing = 0;
    published = false;
    for (NamespacedName r : expected) {
      RouteReport known = reports.get(r);
      if (known == null || known.version() != index.version()) missing++;
    }
    return publishIfComplete();
  }

  private Behavior<Command> onReport(RouteReport r) {
    if (!expected.contains(r.route())) return this;
    RouteReport before = reports.put(r.route(), r);
    boolean wasCurrent = before != null && before.version() == index.version();
    boolean isCurrent = r.version() == index.version();
    if (isCurrent && !wasCurrent) missing--;
    if (!isCurrent && wasCurrent) missing++;
    return isCurrent ? publishIfComplete() : this;
  }

  private Behavior<Command> publishIfComplete() {
    if (missing > 0 || published || index.get(key).isEmpty()) return this;
    GatewayView gw = (GatewayView) index.get(key).get();
    List<RouteAttachment> attachments = new ArrayList<>();
    for (RouteReport r : reports.values()) r.attachment().ifPresent(attachments::add);
    GatewayEvaluation e = GatewayRules.evaluate(gw, index, settings, attachments);
    evaluation = e;
    state.putStatus(key, BindingRules.apply(e.status(), e.table(), bindFailures));
    publisher.tell(new TablePublisher.Published(e.table(), index.version()));
    published = true; // nothing more until the next snapshot
    return this;
  }
}
