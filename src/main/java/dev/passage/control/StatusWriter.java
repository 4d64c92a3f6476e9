package dev.passage.control;

import dev.passage.resources.Kind;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.StatusPatcher;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Writes computed statuses back to Kubernetes. Changes are coalesced per object (only the newest
 * status of an object is written) and written at a bounded rate: at most writesPerTick objects
 * every tick, one write per object at a time. A failed write is tried again on a later tick.
 * It also compares the status a watch reports with what the server held after its last write
 * of that object: a difference (a restarted API server that lost it, another client's edit)
 * writes it again.
 */
public final class StatusWriter extends AbstractBehavior<StatusWriter.Command> {
  public sealed interface Command {}

  public record Dirty(ObjectKey key) implements Command {}

  /** The status the API server holds for an object, as a watch reported it (its fingerprint). */
  public record Observed(ObjectKey key, int serverStatus) implements Command {}

  private record Tick() implements Command {}

  private record Done(ObjectKey key, StatusPatcher.Result result, Throwable failure) implements Command {}

  private final ComputedStatuses state;
  private final StatusPatcher patcher;
  private final Function<Kind, Optional<String>> apiVersions;
  private final int writesPerTick;
  private final Executor blocking;
  private final Set<ObjectKey> pending = new LinkedHashSet<>();
  private final Set<ObjectKey> inFlight = new LinkedHashSet<>();
  // what the server held after this writer's last write or check, per object: an observed status
  // that differs (a restarted API server, someone else's edit) is written again
  private final java.util.Map<ObjectKey, Integer> serverStatus = new java.util.HashMap<>();

  public static Behavior<Command> create(ComputedStatuses state, StatusPatcher patcher,
                                         Function<Kind, Optional<String>> apiVersions, Duration tick, int writesPerTick,
                                         Executor blocking) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Tick(), tick);
      return new StatusWriter(ctx, state, patcher, apiVersions, writesPerTick, blocking);
    }));
  }

  private StatusWriter(ActorContext<Command> ctx, ComputedStatuses state, StatusPatcher patcher,
                       Function<Kind, Optional<String>> apiVersions, int writesPerTick, Executor blocking) {
    super(ctx);
    this.state = state;
    this.patcher = patcher;
    this.apiVersions = apiVersions;
    this.writesPerTick = writesPerTick;
    this.blocking = blocking;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Dirty.class, d -> {
          pending.add(d.key());
          return this;
        })
        .onMessage(Observed.class, o -> {
          Integer known = serverStatus.get(o.key());
          if (known != null && known != o.serverStatus() && state.status(o.key()) != null) pending.add(o.key());
          return this;
        })
        .onMessage(Tick.class, t -> tick())
        .onMessage(Done.class, this::done)
        .build();
  }

  private Behavior<Command> tick() {
    var it = pending.iterator();
    int started = 0;
    while (it.hasNext() && started < writesPerTick) {
      ObjectKey key = it.next();
      if (inFlight.contains(key)) continue; // written again once the running write ends
      it.remove();
      Optional<String> apiVersion = apiVersions.apply(key.kind());
      if (apiVersion.isEmpty()) continue; // a kind the cluster does not serve: nowhere to write
      Object desired = state.status(key); // the newest, read now: coalesces every change since
      inFlight.add(key);
      started++;
      getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> patcher.write(key, apiVersion.get(), desired), blocking),
          (result, err) -> new Done(key, result, err));
    }
    return this;
  }

  private Behavior<Command> done(Done d) {
    inFlight.remove(d.key());
    ControlMetrics metrics = ControlMetrics.get(getContext().getSystem());
    if (d.failure() != null) {
      metrics.statusWrite("failed", 0);
      getContext().getLog().warn("cannot write the status of {} (will try again): {}", d.key(), d.failure().toString());
      pending.add(d.key());
    } else {
      metrics.statusWrite(d.result());
      if (d.result().outcome() == StatusPatcher.Outcome.GONE) serverStatus.remove(d.key());
      else serverStatus.put(d.key(), d.result().serverStatus());
      if (d.result().outcome() == StatusPatcher.Outcome.WRITTEN) getContext().getLog().debug("wrote the status of {}", d.key());
    }
    return this;
  }
}
