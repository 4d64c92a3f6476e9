package dev.passage;

import com.typesafe.config.Config;
import dev.passage.config.PassageSettings;
import dev.passage.control.Controller;
import dev.passage.control.PassageState;
import dev.passage.control.TablePublisher;
import dev.passage.proxy.ConnectionHandler;
import dev.passage.proxy.ListenerManager;
import dev.passage.resources.DirectorySource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * One running Passage: the ActorSystem, the resource source, the controller and its actors,
 * the listeners, and the management HTTP server. Used by main and by the tests alike.
 */
public final class PassageNode implements AutoCloseable {
  private final ActorSystem<Void> system;
  private final DirectorySource source;
  private final Uri management;

  private PassageNode(ActorSystem<Void> system, DirectorySource source, Uri management) {
    this.system = system;
    this.source = source;
    this.management = management;
  }

  /** Standalone mode: serve the Gateway API objects in a folder of YAML. */
  public static PassageNode standalone(Config config, Path resources) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "passage", config);
    try {
      PassageSettings settings = PassageSettings.from(system.settings().config());
      PassageState state = PassageState.get(system);
      ConnectionHandler handler = new ConnectionHandler(system, state::table, settings.proxy());
      ActorRef<ListenerManager.Command> listeners = system.systemActorOf(
          ListenerManager.create(handler, state, settings.proxy().backlog()), "listeners", Props.empty());
      ActorRef<TablePublisher.Command> publisher = system.systemActorOf(
          TablePublisher.create(state, t -> listeners.tell(new ListenerManager.Rebind(t.bindAddresses()))),
          "table-publisher", Props.empty());
      ActorRef<Controller.Command> controller = system.systemActorOf(
          Controller.create(settings.rules(), state, publisher), "controller", Props.empty());
      DirectorySource source = new DirectorySource(resources, settings.pollInterval(),
          events -> controller.tell(new Controller.Events(events)));
      source.start();
      Uri uri = PekkoManagement.get(Adapter.toClassic(system)).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      system.log().info("Passage is up: management on {}", uri);
      return new PassageNode(system, source, uri);
    } catch (Exception | Error e) {
      system.terminate();
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
    source.close();
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      system.log().warn("ActorSystem did not terminate cleanly: {}", e.toString());
    }
  }
}
