package dev.passage.control;

import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import dev.passage.rules.RouteEvaluation;
import dev.passage.rules.RouteRules;
import dev.passage.rules.RulesSettings;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One per route (TLSRoute or HTTPRoute). On every new snapshot it judges its route with the rules, keeps its status
 * on the board, and reports its attachment (or its absence) to each Passage Gateway it names.
 */
public final class RouteActor {
  public sealed interface Command {}

  /** gateways: the Gateway actors alive for this snapshot, by Gateway. */
  public record Evaluate(ResourceIndex index, Map<NamespacedName, ActorRef<GatewayActor.Command>> gateways)
      implements Command {}

  private RouteActor() {}

  public static Behavior<Command> create(ObjectKey key, RulesSettings settings, ComputedStatuses state) {
    return Behaviors.receive(Command.class)
        .onMessage(Evaluate.class, e -> {
          Optional<RouteView> route = e.index().get(key).map(RouteView.class::cast);
          if (route.isEmpty()) return Behaviors.same();
          RouteEvaluation result = RouteRules.evaluate(route.get(), e.index(), settings);
          if (result.status().parents().isEmpty()) state.removeStatus(key);
          else state.putStatus(key, result.status());
          for (NamespacedName gw : result.parentGateways()) {
            ActorRef<GatewayActor.Command> ref = e.gateways().get(gw);
            if (ref != null) {
              ref.tell(new GatewayActor.RouteReport(key.ref(), e.index().version(),
                  Optional.ofNullable(result.attachments().get(gw))));
            }
          }
          return Behaviors.same();
        })
        .onSignal(PostStop.class, s -> {
          state.removeStatus(key);
          return Behaviors.same();
        })
        .build();
  }
}
