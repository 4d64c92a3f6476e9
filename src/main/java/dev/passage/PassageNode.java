package dev.passage;

import com.typesafe.config.Config;
import dev.passage.config.PassageSettings;
import dev.passage.control.Controller;
import dev.passage.control.GatewayServices;
import dev.passage.control.PassageState;
import dev.passage.control.StatusWriter;
import dev.passage.control.TablePublisher;
import dev.passage.proxy.ConnectionHandler;
import dev.passage.proxy.ListenerManager;
import dev.passage.resources.DirectorySource;
import dev.passage.resources.KubernetesSource;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.StatusPatcher;
import dev.passage.rules.RulesSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * One running Passage: the ActorSystem, the resource source, the controller and its actors,
 * the listeners, and the management HTTP server. Used by main and by the tests alike. The two
 * modes differ only in where objects come from and where statuses go.
 */
public final class PassageNode implements AutoCloseable {
  private final ActorSystem<Void> system;
  private final List<AutoCloseable> sources;
  private final List<AutoCloseable> afterStop;
  private final Uri management;

  /** sources are closed before the ActorSystem stops; afterStop after it (what the actors use). */
  private PassageNode(ActorSystem<Void> system, List<AutoCloseable> sources, List<AutoCloseable> afterStop,
                      Uri management) {
    this.system = system;
    this.sources = sources;
    this.afterStop = afterStop;
    this.management = management;
  }

  /** What both modes share, started: the data plane and the table publisher. */
  private record Core(ActorSystem<Void> system, PassageSettings settings, PassageState state,
                      ActorRef<TablePublisher.Command> publisher) {
    static Core start(Config config) {
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "passage", config);
      PassageSettings settings = PassageSettings.from(system.settings().config());
      PassageState state = PassageState.get(system);
      ConnectionHandler handler = new ConnectionHandler(system, state::table, settings.proxy());
      ActorRef<ListenerManager.Command> listeners = system.systemActorOf(
          ListenerManager.create(handler, state, settings.proxy().backlog()), "listeners", Props.empty());
      ActorRef<TablePublisher.Command> publisher = system.systemActorOf(
          TablePublisher.create(state, t -> listeners.tell(new ListenerManager.Rebind(t.bindAddresses()))),
          "table-publisher", Props.empty());
      return new Core(system, settings, state, publisher);
    }

    ActorRef<Controller.Command> controller(RulesSettings rules, Consumer<ResourceIndex> onIndex) {
      return system.systemActorOf(Controller.create(rules, state, publisher, onIndex), "controller", Props.empty());
    }

    Uri startManagement() throws Exception {
      Uri uri = PekkoManagement.get(Adapter.toClassic(system)).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      system.log().info("Passage is up: management on {}", uri);
      return uri;
    }
  }

  /** Standalone mode: serve the Gateway API objects in a folder of YAML. */
  public static PassageNode standalone(Config config, Path folder) throws Exception {
    Core core = Core.start(config);
    try {
      ActorRef<Controller.Command> controller = core.controller(core.settings().standaloneRules(), index -> {});
      DirectorySource source = new DirectorySource(folder, core.settings().pollInterval(),
          events -> controller.tell(new Controller.Events(events)));
      source.start();
      return new PassageNode(core.system(), List.of(source), List.of(), core.startManagement());
    } catch (Exception | Error e) {
      core.system().terminate();
      throw e;
    }
  }

  /**
   * Kubernetes mode: watch the API server through this client, keep a Service per Gateway, and
   * write statuses (and Events) back. The node owns the client and closes it.
   */
  public static PassageNode kubernetes(Config config, KubernetesClient client) throws Exception {
    Core core = Core.start(config);
    ExecutorService blocking = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "passage-kubernetes-io");
      t.setDaemon(true);
      return t;
    });
    try {
      PassageSettings.Kubernetes k8s = core.settings().kubernetes();
      RulesSettings rules = core.settings().kubernetesRules();
      ActorRef<GatewayServices.Command> services = core.system().systemActorOf(
          GatewayServices.create(client, rules, k8s.placement(), blocking), "gateway-services", Props.empty());
      ActorRef<Controller.Command> controller = core.controller(rules,
          index -> services.tell(new GatewayServices.IndexChanged(index)));
      KubernetesSource source = new KubernetesSource(client, k8s.resync(), k8s.batchWindow(), k8s.missingKindRetry(),
          events -> controller.tell(new Controller.Events(events)));
      StatusPatcher patcher = new StatusPatcher(client, rules.controllerName(), k8s.events());
      ActorRef<StatusWriter.Command> writer = core.system().systemActorOf(StatusWriter.create(core.state(), patcher,
          source::servedVersion, k8s.statusWriteInterval(), k8s.statusWritesPerInterval(), blocking),
          "status-writer", Props.empty());
      core.state().onStatusChange(key -> writer.tell(new StatusWriter.Dirty(key)));
      source.start();
      return new PassageNode(core.system(), List.of(source), List.of(blocking::shutdownNow, client),
          core.startManagement());
    } catch (Exception | Error e) {
      blocking.shutdownNow();
      core.system().terminate();
      throw e;
    }
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public PassageState state() {
    return PassageState.get(system);
  }

  public Uri managementUri() {
    return management;
  }

  @Override
  public void close() {
    sources.forEach(this::closeQuietly);
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      system.log().warn("ActorSystem did not terminate cleanly: {}", e.toString());
    }
    afterStop.forEach(this::closeQuietly);
  }

  private void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      org.slf4j.LoggerFactory.getLogger(PassageNode.class).warn("closing {}: {}", c, e.toString());
    }
  }
}
