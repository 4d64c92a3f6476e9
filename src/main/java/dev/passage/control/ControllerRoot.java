package dev.passage.control;

import dev.passage.config.PassageSettings;
import dev.passage.resources.DirectorySource;
import dev.passage.resources.KubernetesSource;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.StatusPatcher;
import dev.passage.rules.RulesSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The control plane, run once per cluster as a Cluster Singleton: the source of objects (a
 * folder, or informers), the Controller with its Gateway and Route actors, the table publisher
 * and, in Kubernetes mode, the status writer and the Gateways' Services. When the singleton moves
 * to another node it starts there from its source again and republishes; meanwhile every node
 * keeps routing with the tables it holds.
 */
public final class ControllerRoot {
  /** The singleton takes no messages; it runs until its node leaves. */
  public interface Command {}

  private ControllerRoot() {}

  public static Behavior<Command> standalone(Path folder, PassageSettings settings, ComputedStatuses state) {
    return Behaviors.setup(ctx -> {
      ActorRef<Controller.Command> controller = controller(ctx, settings.standaloneRules(), state, index -> {});
      DirectorySource source = new DirectorySource(folder, settings.pollInterval(), settings.settleTime(),
          events -> controller.tell(new Controller.Events(events)));
      source.start();
      return running(source, state);
    });
  }

  public static Behavior<Command> kubernetes(KubernetesClient client, PassageSettings settings, ComputedStatuses state,
                                            Executor blocking) {
    return Behaviors.setup(ctx -> {
      PassageSettings.Kubernetes k8s = settings.kubernetes();
      RulesSettings rules = settings.kubernetesRules();
      ActorRef<GatewayServices.Command> services = ctx.spawn(
          GatewayServices.create(client, rules, k8s.placement(), blocking), "gateway-services");
      ActorRef<Controller.Command> controller = controller(ctx, rules, state,
          index -> services.tell(new GatewayServices.IndexChanged(index)));
      KubernetesSource source = new KubernetesSource(client, k8s.resync(), k8s.batchWindow(), k8s.missingKindRetry(),
          events -> controller.tell(new Controller.Events(events)));
      ControlMetrics metrics = ControlMetrics.get(ctx.getSystem());
      source.onWatchFailure(kind -> metrics.watchFailed(kind.kindName()));
      source.onList(kind -> metrics.listed(kind.kindName()));
      StatusPatcher patcher = new StatusPatcher(client, rules.controllerName(), k8s.events());
      ActorRef<StatusWriter.Command> writer = ctx.spawn(StatusWriter.create(state, patcher, source::servedVersion,
          k8s.statusWriteInterval(), k8s.statusWritesPerInterval(), blocking), "status-writer");
      state.onStatusChange(key -> writer.tell(new StatusWriter.Dirty(key)));
      source.observeStatuses((key, serverStatus) -> writer.tell(new StatusWriter.Observed(key, serverStatus)));
      source.start();
      return running(source, state);
    });
  }

  private static ActorRef<Controller.Command> controller(ActorContext<Command> ctx, RulesSettings rules,
                                                         ComputedStatuses state, Consumer<ResourceIndex> onIndex) {
    ActorRef<TablePublisher.Command> publisher = ctx.spawn(TablePublisher.create(), "table-publisher");
    return ctx.spawn(Controller.create(rules, state, publisher, onIndex), "controller");
  }

  private static Behavior<Command> running(AutoCloseable source, ComputedStatuses state) {
    state.controllerHere(true);
    return Behaviors.receive(Command.class)
        .onSignal(PostStop.class, s -> {
          state.controllerHere(false);
          source.close();
          state.onStatusChange(key -> {});
          state.clearStatuses(); // computed here; the next controller computes them afresh
          return Behaviors.same();
        })
        .build();
  }
}
