package dev.passage.ops;

import dev.passage.control.PassageState;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/** /ready: the first route table is built and every listener it names has been bound. */
public final class ReadinessCheck implements Supplier<CompletionStage<Boolean>> {
  private final PassageState state;

  public ReadinessCheck(ActorSystem system) {
    this.state = PassageState.get(Adapter.toTyped(system));
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(state.ready());
  }
}
