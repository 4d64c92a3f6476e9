package dev.passage.control;

import dev.passage.resources.StatusPatcher;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * What the control plane counts, one per ActorSystem (it moves with the controller: a node that
 * has never held it reports zeros): status writes by result, watch failures per kind, change sets
 * applied and the routes judged for them, and when the source last completed a sync.
 */
public final class ControlMetrics implements Extension {
  private final Map<String, LongAdder> statusWrites = new ConcurrentHashMap<>();
  private final LongAdder statusConflicts = new LongAdder();
  private final Map<String, LongAdder> watchFailures = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> lists = new ConcurrentHashMap<>();
  private final LongAdder changeSets = new LongAdder();
  private final LongAdder routesJudged = new LongAdder();
  private volatile long lastSyncMillis;
  private volatile java.util.function.IntSupplier statusQueue = () -> 0;

  public static final class Id extends ExtensionId<ControlMetrics> {
    @Override
    public ControlMetrics createExtension(ActorSystem<?> system) {
      return new ControlMetrics();
    }
  }

  private static final Id ID = new Id();

  public static ControlMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** result: written, unchanged, stale, gone, or failed (an error; the write is tried again). */
  void statusWrite(String result, int conflicts) {
    statusWrites.computeIfAbsent(result, r -> new LongAdder()).increment();
    if (conflicts > 0) statusConflicts.add(conflicts);
  }

  void statusWrite(StatusPatcher.Result result) {
    statusWrite(result.outcome().name().toLowerCase(java.util.Locale.ROOT), result.conflicts());
  }

  /** The status writer's queue: objects whose status waits to be written. */
  void statusQueue(java.util.function.IntSupplier queued) {
    this.statusQueue = queued;
  }

  /** A watch or list of this kind failed; the informer lists and watches again. */
  public void watchFailed(String kind) {
    watchFailures.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  /** An informer of this kind completed a list: its first, or a relist. */
  public void listed(String kind) {
    lists.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  /** A change set was applied; routes: how many routes were judged for it. */
  void applied(int routes) {
    changeSets.increment();
    routesJudged.add(routes);
  }

  /** The source has delivered everything it holds (once per start of the controller on this node). */
  void synced() {
    lastSyncMillis = System.currentTimeMillis();
  }

  public List<MetricSnapshot> snapshots() {
    List<MetricSnapshot> out = new ArrayList<>();
    CounterSnapshot.Builder writes = CounterSnapshot.builder().name("passage_status_writes")
        .help("Status writes by result: written; current (the server held it already, as the watches report it: "
            + "no request); unchanged (the server held it, found on reading it); stale (the server holds a newer "
            + "generation); gone (the object was deleted); failed (retried).");
    for (String result : List.of("written", "current", "unchanged", "stale", "gone", "failed")) {
      LongAdder n = statusWrites.get(result);
      writes.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("result", result))
          .value(n == null ? 0 : n.sum()).build());
    }
    out.add(writes.build());
    out.add(counter("passage_status_write_conflicts", "Status writes that met a conflict (409) and were retried.",
        statusConflicts.sum()));
    out.add(GaugeSnapshot.builder().name("passage_status_write_queue")
        .help("Objects whose status waits to be written (the rate is passage.kubernetes.status-writes-per-second).")
        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(statusQueue.getAsInt()).build()).build());
    CounterSnapshot watches = perKind("passage_watch_failures", "Watches found down (looked at once a second) and "
        + "failed lists or watches, per kind; fabric8 watches again, and lists again when the server answers 410 Gone.",
        watchFailures);
    out.add(watches);
    out.add(perKind("passage_watch_lists", "Lists an informer completed, per kind: the first, then one per relist "
        + "(after a 410 Gone, or a watch that could not resume).", lists));
    out.add(counter("passage_change_sets_applied", "Change sets (batches of object changes) applied.", changeSets.sum()));
    out.add(counter("passage_routes_judged", "Routes judged, summed over every change set applied.", routesJudged.sum()));
    out.add(GaugeSnapshot.builder().name("passage_source_synced_timestamp_seconds")
        .help("When the controller's source first delivered every object it held: the folder read, or the "
            + "informers' first lists (0 on a node that has not held the controller).")
        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(lastSyncMillis / 1000.0).build()).build());
    return out;
  }

  /** A counter per kind Passage reads, 0 where nothing was counted (standalone has no informers: all 0). */
  private static CounterSnapshot perKind(String name, String help, Map<String, LongAdder> counts) {
    Map<String, Long> byKind = new TreeMap<>();
    for (dev.passage.resources.Kind k : dev.passage.resources.Kind.values()) byKind.put(k.kindName(), 0L);
    counts.forEach((kind, n) -> byKind.put(kind, n.sum()));
    CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
    byKind.forEach((kind, n) -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
        .labels(Labels.of("kind", kind)).value(n).build()));
    return b.build();
  }

  private static CounterSnapshot counter(String name, String help, long value) {
    return CounterSnapshot.builder().name(name).help(help)
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build();
  }
}
