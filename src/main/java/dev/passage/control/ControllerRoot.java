package dev.passage.control;

import dev.passage.config.PassageSettings;
import dev.passage.resources.KubernetesSource;
import dev.passage.resources.ResourceCache;
import dev.passage.resources.StatusPatcher;
import dev.passage.rules.RulesSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The control plane, run once per cluster as a Cluster Singleton: the Controller with its Gateway
 * and Route actors, the table publisher and, in Kubernetes mode, the status writer and the
 * Gateways' Services. It reads the objects from the node's {@link ResourceCache}, which every node
 * keeps filled from its own source: a controller that starts on a node (or moves there when the
 * one holding it is gone) judges at once from what the node holds, and republishes only what
 * differs; meanwhile every node keeps routing with the tables it holds.
 */
public final class ControllerRoot {
  /** What the singleton is asked (statuses, from any node); it runs until its node leaves. */
  public interface Command {}

  private ControllerRoot() {}

  public static Behavior<Command> standalone(ResourceCache cache, PassageSettings settings, ComputedStatuses state) {
    return Behaviors.setup(ctx -> {
      ActorRef<Controller.Command> controller = controller(ctx, settings.standaloneRules(), state, in -> {});
      return running(List.of(subscribe(cache, controller)), state);
    });
  }

  public static Behavior<Command> kubernetes(KubernetesClient client, ResourceCache cache, KubernetesSource source,
                                            PassageSettings settings, ComputedStatuses state, Executor blocking) {
    return Behaviors.setup(ctx -> {
      PassageSettings.Kubernetes k8s = settings.kubernetes();
      RulesSettings rules = settings.kubernetesRules();
      ActorRef<GatewayServices.Command> services = ctx.spawn(
          GatewayServices.create(client, rules, k8s.placement(), blocking), "gateway-services");
      StatusPatcher patcher = new StatusPatcher(client, rules.controllerName(), k8s.events());
      ActorRef<StatusWriter.Command> writer = ctx.spawn(StatusWriter.create(state, patcher, source::servedVersion,
          rules.controllerName(), k8s.statusWritesPerSecond(), k8s.statusWriteBurst(), blocking), "status-writer");
      state.onStatusChange(key -> writer.tell(new StatusWriter.Dirty(key)));
      AutoCloseable observed = source.observeStatuses((key, serverStatus) -> writer.tell(new StatusWriter.Observed(key, serverStatus)));
      ActorRef<Controller.Command> controller = controller(ctx, rules, state,
          in -> services.tell(new GatewayServices.IndexChanged(in.index())));
      return running(List.of(observed, subscribe(cache, controller)), state);
    });
  }

  private static AutoCloseable subscribe(ResourceCache cache, ActorRef<Controller.Command> controller) {
    return cache.subscribe((update, synced) -> controller.tell(new Controller.Changed(update, synced)));
  }

  private static ActorRef<Controller.Command> controller(ActorContext<Command> ctx, RulesSettings rules,
                                                         ComputedStatuses state, Consumer<Controller.ServicesInput> onServices) {
    ActorRef<TablePublisher.Command> publisher = ctx.spawn(TablePublisher.create(), "table-publisher");
    return ctx.spawn(Controller.create(rules, state, publisher, onServices), "controller");
  }

  private static Behavior<Command> running(List<AutoCloseable> subscriptions, ComputedStatuses state) {
    state.controllerHere(true);
    return Behaviors.receive(Command.class)
        .onMessage(StatusPages.Ask.class, a -> {
          a.replyTo().tell(StatusPages.page(state, a.after(), Math.min(a.limit(), StatusPages.PAGE)));
          return Behaviors.same();
        })
        .onSignal(PostStop.class, s -> {
          state.controllerHere(false);
          for (AutoCloseable c : subscriptions) c.close();
          state.onStatusChange(key -> {});
          state.clearStatuses(); // computed here; the next controller computes them afresh
          return Behaviors.same();
        })
        .build();
  }
}
