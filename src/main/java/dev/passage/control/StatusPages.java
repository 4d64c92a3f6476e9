package dev.passage.control;

import dev.passage.resources.Json;
import dev.passage.resources.ObjectKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Every computed status, asked of the controller from any node: the node holding it answers from
 * its own board, another asks the singleton (wherever it runs) for the statuses in pages small
 * enough for one Artery frame, in key order, until it has them all. So an operator reads
 * /passage/status on any node, never having to find the one that holds the controller.
 */
public final class StatusPages implements Extension {
  /** Statuses per page: about 1 to 2 KiB each as CBOR, far below the 256 KiB frame. */
  static final int PAGE = 50;
  private static final Duration ASK = Duration.ofSeconds(10);

  /** Asks the controller for the statuses after a key (null: from the first). */
  public record Ask(ObjectKey after, int limit, ActorRef<Page> replyTo) implements ControllerRoot.Command, ClusterMessage {}

  /** One page, in key order; more: there may be statuses after its last. */
  public record Page(List<Entry> entries, boolean more) implements ClusterMessage {}

  /** status: the status as JSON text (a generic map would come back from CBOR as Scala collections). */
  public record Entry(ObjectKey key, String status) {}

  private final ActorSystem<?> system;
  private volatile ActorRef<ControllerRoot.Command> controller;

  public static final class Id extends ExtensionId<StatusPages> {
    @Override
    public StatusPages createExtension(ActorSystem<?> system) {
      return new StatusPages(system);
    }
  }

  private static final Id ID = new Id();

  public static StatusPages get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private StatusPages(ActorSystem<?> system) {
    this.system = system;
  }

  /** The singleton's proxy on this node. */
  public void controller(ActorRef<ControllerRoot.Command> proxy) {
    this.controller = proxy;
  }

  /** A page of this node's board (the node holding the controller answers with it). */
  static Page page(ComputedStatuses statuses, ObjectKey after, int limit) {
    Map<ObjectKey, Map<String, Object>> page = statuses.storedPage(after, limit + 1);
    List<Entry> entries = page.entrySet().stream().limit(limit)
        .map(e -> new Entry(e.getKey(), Json.JSON.writeValueAsString(e.getValue()))).toList();
    return new Page(entries, page.size() > limit);
  }

  /** Every status as Kubernetes would store it, from this node's board or the controller's. */
  public CompletionStage<Map<ObjectKey, Object>> all() {
    ComputedStatuses local = ComputedStatuses.get(system);
    if (local.controllerHere() || controller == null) return CompletableFuture.completedFuture(local.storedStatuses());
    Map<ObjectKey, Object> out = new LinkedHashMap<>();
    return next(null, out).thenApply(done -> out);
  }

  private CompletionStage<Void> next(ObjectKey after, Map<ObjectKey, Object> into) {
    CompletionStage<Page> page = AskPattern.ask(controller, replyTo -> new Ask(after, PAGE, replyTo), ASK, system.scheduler());
    return page.thenCompose(p -> {
      p.entries().forEach(e -> into.put(e.key(), Json.JSON.readValue(e.status(), Map.class)));
      if (!p.more() || p.entries().isEmpty()) return CompletableFuture.completedFuture(null);
      return next(p.entries().get(p.entries().size() - 1).key(), into);
    });
  }
}
