package dev.passage.control;

import dev.passage.resources.GatewayView;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceIndex;
import dev.passage.rules.GatewayEvaluation;
import dev.passage.rules.GatewayRules;
import dev.passage.rules.RouteAttachment;
import dev.passage.rules.RulesSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One per Gateway that Passage serves. It collects the attachment reports of the routes that
 * name it and, once every one of them has reported on the current snapshot, computes its status
 * and table and publishes them: a Gateway never publishes a table mixing two snapshots.
 */
public final class GatewayActor {
  public sealed interface Command {}

  public record IndexChanged(ResourceIndex index) implements Command {}

  public record RouteReport(NamespacedName route, long version, Optional<RouteAttachment> attachment)
      implements Command {}

  private GatewayActor() {}

  public static Behavior<Command> create(ObjectKey key, RulesSettings settings, PassageState state,
                                         ActorRef<TablePublisher.Command> publisher) {
    return Behaviors.setup(ctx -> new Waiting(key, settings, state, publisher).behavior(ResourceIndex.EMPTY,
        Set.of(), Map.of()));
  }

  private record Waiting(ObjectKey key, RulesSettings settings, PassageState state,
                         ActorRef<TablePublisher.Command> publisher) {

    /** reports: the latest report of each route that names this Gateway. */
    Behavior<Command> behavior(ResourceIndex index, Set<NamespacedName> expected, Map<NamespacedName, RouteReport> reports) {
      return Behaviors.receive(Command.class)
          .onMessage(IndexChanged.class, m -> {
            Optional<GatewayView> gw = m.index().get(key).map(GatewayView.class::cast);
            if (gw.isEmpty()) return Behaviors.same(); // the controller stops us
            Set<NamespacedName> naming = GatewayRules.routesNaming(gw.get(), m.index());
            Map<NamespacedName, RouteReport> kept = new HashMap<>(reports);
            kept.keySet().retainAll(naming);
            return publishIfComplete(m.index(), naming, kept);
          })
          .onMessage(RouteReport.class, r -> {
            if (!expected.contains(r.route())) return Behaviors.same();
            Map<NamespacedName, RouteReport> next = new HashMap<>(reports);
            next.put(r.route(), r);
            return publishIfComplete(index, expected, next);
          })
          .onSignal(PostStop.class, s -> {
            // not Withdrawn here: the actor also stops when the controller moves to another node,
            // and the tables must stay. The Controller withdraws a Gateway that is gone.
            state.removeStatus(key);
            return Behaviors.same();
          })
          .build();
    }

    private Behavior<Command> publishIfComplete(ResourceIndex index, Set<NamespacedName> expected,
                                                Map<NamespacedName, RouteReport> reports) {
      boolean complete = expected.stream()
          .allMatch(r -> reports.containsKey(r) && reports.get(r).version() == index.version());
      if (complete) {
        GatewayView gw = (GatewayView) index.get(key).orElseThrow();
        List<RouteAttachment> attachments = reports.values().stream()
            .flatMap(r -> r.attachment().stream()).toList();
        GatewayEvaluation e = GatewayRules.evaluate(gw, index, settings, attachments);
        state.putStatus(key, e.status());
        publisher.tell(new TablePublisher.Published(e.table(), index.version()));
      }
      return behavior(index, expected, reports);
    }
  }
}
