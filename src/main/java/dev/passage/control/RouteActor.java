package dev.passage.control;

import dev.passage.resources.Input;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import dev.passage.rules.RouteEvaluation;
import dev.passage.rules.RouteRules;
import dev.passage.rules.RulesSettings;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One per route (TLSRoute or HTTPRoute). Told to judge its route when something it read last
 * time has changed: it judges it with the rules, reading the snapshot through a recorder, keeps
 * its status on the board, reports its attachment (or that it has none) to each Gateway actor the
 * controller names, and tells the controller what it read, which is what it will be judged again
 * for.
 */
public final class RouteActor {
  public sealed interface Command {}

  /** Judge the route in this snapshot and report to these Gateway actors (an empty attachment where none). */
  public record Evaluate(ResourceIndex index, Map<NamespacedName, ActorRef<GatewayActor.Command>> reportTo)
      implements Command {}

  /** The route is gone: tell these Gateways, drop the status, stop. */
  public record Remove(long version, Collection<ActorRef<GatewayActor.Command>> reportTo) implements Command {}

  private RouteActor() {}

  public static Behavior<Command> create(ObjectKey key, RulesSettings settings, ComputedStatuses state,
                                         ActorRef<Controller.Command> controller) {
    Object owner = new Object(); // this actor's statuses: a later actor of a route of the same name owns its own
    return Behaviors.receive(Command.class)
        .onMessage(Evaluate.class, e -> {
          long version = e.index().version();
          Set<Input> reads = new HashSet<>();
          RouteView route = (RouteView) e.index().get(key).orElse(null);
          if (route != null) {
            RouteEvaluation result = RouteRules.evaluate(route, e.index().reading(reads), settings);
            if (result.status().parents().isEmpty()) state.removeStatus(key, owner);
            else state.putStatus(key, result.status(), owner);
            e.reportTo().forEach((gw, ref) -> ref.tell(new GatewayActor.RouteReport(key, version, result.attachments().get(gw))));
          } else {
            e.reportTo().values().forEach(ref -> ref.tell(new GatewayActor.RouteReport(key, version, null)));
          }
          controller.tell(new Controller.Judged(key, version, reads));
          return Behaviors.same();
        })
        .onMessage(Remove.class, r -> {
          r.reportTo().forEach(ref -> ref.tell(new GatewayActor.RouteReport(key, r.version(), null)));
          return Behaviors.stopped();
        })
        .onSignal(PostStop.class, s -> {
          state.removeStatus(key, owner);
          return Behaviors.same();
        })
        .build();
  }
}
