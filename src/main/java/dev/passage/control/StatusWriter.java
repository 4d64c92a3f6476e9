package dev.passage.control;

import dev.passage.resources.Json;
import dev.passage.resources.Kind;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.StatusPatcher;
import dev.passage.resources.StoredStatus;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
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
 * Writes computed statuses back to Kubernetes. Before any request it compares the status it
 * wants with the one the API server holds, as this node's watches report it (what Passage owns of
 * it, lastTransitionTime aside: {@link StoredStatus#ownedFingerprint}): a status the server holds
 * already is not written, so a controller that starts or takes over writes only what differs.
 * Changes are coalesced per object (only the newest status of an object is written, one write per
 * object at a time) and written at a bounded rate: a token bucket of writesPerSecond with a burst.
 * A failed write is tried again. A watch that reports a status other than the one wanted (a
 * restarted API server that lost it, another client's edit of Passage's part) writes it again.
 */
public final class StatusWriter extends AbstractBehavior<StatusWriter.Command> {
  public sealed interface Command {}

  public record Dirty(ObjectKey key) implements Command {}

  /** The status the API server holds for an object, as a watch reported it (the fingerprint of Passage's part). */
  public record Observed(ObjectKey key, int owned) implements Command {}

  private record Tick() implements Command {}

  private record Done(ObjectKey key, StatusPatcher.Result result, Throwable failure) implements Command {}

  /** How often the bucket is looked at while writes wait. */
  private static final Duration TICK = Duration.ofMillis(50);

  private final ComputedStatuses state;
  private final StatusPatcher patcher;
  private final Function<Kind, Optional<String>> apiVersions;
  private final String controllerName;
  private final double writesPerSecond;
  private final double burst;
  private final Executor blocking;
  private final TimerScheduler<Command> timers;
  private final ControlMetrics metrics;
  private final Set<ObjectKey> pending = new LinkedHashSet<>();
  private final Set<ObjectKey> inFlight = new LinkedHashSet<>();
  /** What Passage owns of each object's status on the server, as last observed or written. */
  private final Map<ObjectKey, Integer> server = new HashMap<>();
  private double tokens;
  private long refilled = System.nanoTime();

  public static Behavior<Command> create(ComputedStatuses state, StatusPatcher patcher,
                                         Function<Kind, Optional<String>> apiVersions, String controllerName,
                                         double writesPerSecond, int burst, Executor blocking) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new StatusWriter(ctx, state, patcher, apiVersions, controllerName, writesPerSecond, burst, blocking, timers)));
  }

  private StatusWriter(ActorContext<Command> ctx, ComputedStatuses state, StatusPatcher patcher,
                       Function<Kind, Optional<String>> apiVersions, String controllerName, double writesPerSecond,
                       int burst, Executor blocking, TimerScheduler<Command> timers) {
    super(ctx);
    this.state = state;
    this.patcher = patcher;
    this.apiVersions = apiVersions;
    this.controllerName = controllerName;
    this.writesPerSecond = writesPerSecond;
    this.burst = Math.max(1, burst);
    this.tokens = this.burst;
    this.blocking = blocking;
    this.timers = timers;
    this.metrics = ControlMetrics.get(ctx.getSystem());
    metrics.statusQueue(this::queued);
  }

  private int queued() {
    return pending.size();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Dirty.class, d -> wanted(d.key(), true))
        .onMessage(Observed.class, o -> {
          server.put(o.key(), o.owned());
          // only what this controller has computed: before its first judgement it says nothing
          return state.status(o.key()) != null ? wanted(o.key(), false) : this;
        })
        .onMessage(Tick.class, t -> tick())
        .onMessage(Done.class, this::done)
        .build();
  }

  /**
   * The object's wanted status may differ from the server's: queue a write unless it is there
   * already. changed: the wanted status changed (counted as "current" when no write is needed).
   */
  private Behavior<Command> wanted(ObjectKey key, boolean changed) {
    if (!inFlight.contains(key) && held(key)) {
      if (pending.remove(key) || changed) metrics.statusWrite("current", 0);
      return this;
    }
    pending.add(key);
    return startTicking();
  }

  /** Whether the server holds, of Passage's part, what is wanted now. */
  @SuppressWarnings("unchecked")
  private boolean held(ObjectKey key) {
    Object want = state.status(key);
    int wanted = want == null ? 0 : StoredStatus.ownedFingerprint(key.kind(), controllerName, Json.JSON.convertValue(want, Map.class));
    boolean routeKind = key.kind().sharedStatusList() != null; // routes and policies: our entries go when we have none
    // a Gateway or class Passage no longer has a status for keeps its last word: nothing to write
    if (want == null && !routeKind) return true;
    return wanted == server.getOrDefault(key, 0);
  }

  private Behavior<Command> startTicking() {
    if (!timers.isTimerActive("tick")) timers.startTimerAtFixedRate("tick", new Tick(), TICK);
    return this;
  }

  private Behavior<Command> tick() {
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - refilled) / 1e9 * writesPerSecond);
    refilled = now;
    var it = pending.iterator();
    while (it.hasNext() && tokens >= 1) {
      ObjectKey key = it.next();
      if (inFlight.contains(key)) continue; // written again once the running write ends
      it.remove();
      Optional<String> apiVersion = apiVersions.apply(key.kind());
      if (apiVersion.isEmpty()) continue; // a kind the cluster does not serve: nowhere to write
      if (held(key)) {
        metrics.statusWrite("current", 0); // the server caught up meanwhile
        continue;
      }
      Object desired = state.status(key); // the newest, read now: coalesces every change since
      inFlight.add(key);
      tokens -= 1;
      getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> patcher.write(key, apiVersion.get(), desired), blocking),
          (result, err) -> new Done(key, result, err));
    }
    if (pending.isEmpty()) timers.cancel("tick");
    return this;
  }

  private Behavior<Command> done(Done d) {
    inFlight.remove(d.key());
    if (d.failure() != null) {
      metrics.statusWrite("failed", 0);
      getContext().getLog().warn("cannot write the status of {} (will try again): {}", d.key(), d.failure().toString());
      pending.add(d.key());
      return startTicking();
    }
    metrics.statusWrite(d.result());
    if (d.result().outcome() == StatusPatcher.Outcome.GONE) server.remove(d.key());
    else server.put(d.key(), d.result().owned());
    if (d.result().outcome() == StatusPatcher.Outcome.WRITTEN) getContext().getLog().debug("wrote the status of {}", d.key());
    return this;
  }
}
