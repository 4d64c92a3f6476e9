package dev.passage.ops;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/** /ready: the first route table is built and every listener it names has been bound. */
public final class ReadinessCheck implements Supplier<CompletionStage<Boolean>> {
  private final NodeView node;

  public ReadinessCheck(ActorSystem system) {
    this.node = new NodeView(Adapter.toTyped(system));
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(node.ready());
  }
}
