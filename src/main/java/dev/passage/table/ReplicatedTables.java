package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Flag;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * On every node: holds the replicated table entries, applies each bucket's changed entries to the
 * node's {@link TableBuilder} (an entry that did not change costs a reference comparison; nothing
 * is rebuilt for the others), swaps the node's RouteTable once the changes waiting in the mailbox
 * are in, and tells the listeners. The node counts as holding the tables once it has read every
 * bucket from a majority of the cluster, after it has seen the controller's "first table complete"
 * flag; a node that joins late is therefore ready only with the current tables. When the controller is
 * away (moving, or the API server gone) the node keeps the tables it holds.
 */
public final class ReplicatedTables {
  public sealed interface Command {}

  private record BucketChanged(Key<LWWMap<String, Replicated>> key, LWWMap<String, Replicated> data)
      implements Command {}

  private record BucketRead(Key<LWWMap<String, Replicated>> key, LWWMap<String, Replicated> data)
      implements Command {}

  private record SyncedFlag(boolean value) implements Command {}

  /** A majority did not answer in time: ask again. */
  private record BucketReadFailed(Key<LWWMap<String, Replicated>> key) implements Command {}

  /** This node is Up: only now does "a majority" mean the cluster's, not this node alone. */
  private record SelfUp() implements Command {}

  /** Swap in the table once the changes already waiting have been applied (one swap for many buckets). */
  private record Swap() implements Command {}

  /** Route entries still wait for endpoints entries that should have come with them by now. */
  private record ApplyParked() implements Command {}

  /**
   * How long a route entry waits for the endpoints entries of the ports it names (they come in
   * the same write or the one before; a bound for a writer that breaks that rule).
   */
  static final Duration PARKED_AT_MOST = Duration.ofSeconds(5);

  private ReplicatedTables() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Behavior<Command> create(CurrentTable table, Consumer<RouteTable> onChange) {
    return Behaviors.withTimers(timers -> Behaviors.setup(ctx -> {
      // typed allows one message adapter per class: one for all subscriptions, one for all reads
      ActorRef<Replicator.SubscribeResponse> changes = ctx.messageAdapter(Replicator.SubscribeResponse.class,
          ReplicatedTables::changed);
      ActorRef<Replicator.GetResponse> reads = ctx.messageAdapter(Replicator.GetResponse.class, ReplicatedTables::read);
      ActorRef<Replicator.Command> replicator = DistributedData.get(ctx.getSystem()).replicator();
      for (Key<LWWMap<String, Replicated>> key : TableKeys.all()) {
        replicator.tell(new Replicator.Subscribe(key, (ActorRef) changes));
      }
      replicator.tell(new Replicator.Subscribe(TableKeys.SYNCED, (ActorRef) changes));
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(org.apache.pekko.cluster.typed.SelfUp.class, up -> new SelfUp()),
          org.apache.pekko.cluster.typed.SelfUp.class));
      ActorRef<Replicator.GetResponse> readsRef = reads;
      Consumer<Key<LWWMap<String, Replicated>>> read = key ->
          replicator.tell(new Replicator.Get(key, new Replicator.ReadMajority(Duration.ofSeconds(5)), (ActorRef) readsRef));
      return new Holder(table, onChange, read, ctx.getSelf(), new TableBuilder(), new HashMap<>(), new boolean[1], timers)
          .running(new HashMap<>(), new HashSet<>(TableKeys.all()), false);
    }));
  }

  @SuppressWarnings("unchecked")
  private static Command changed(Replicator.SubscribeResponse<?> rsp) {
    if (rsp.key().equals(TableKeys.SYNCED)) {
      return new SyncedFlag(rsp instanceof Replicator.Changed<?> c && ((Flag) c.get(TableKeys.SYNCED)).enabled());
    }
    var key = (Key<LWWMap<String, Replicated>>) rsp.key();
    return new BucketChanged(key, rsp instanceof Replicator.Changed<?> c ? (LWWMap<String, Replicated>) c.get(key)
        : LWWMap.create());
  }

  @SuppressWarnings("unchecked")
  private static Command read(Replicator.GetResponse<?> rsp) {
    var key = (Key<LWWMap<String, Replicated>>) rsp.key();
    if (rsp instanceof Replicator.GetSuccess<?> ok) return new BucketRead(key, (LWWMap<String, Replicated>) ok.get(key));
    if (rsp instanceof Replicator.NotFound<?>) return new BucketRead(key, null); // nobody wrote it: empty
    return new BucketReadFailed(key);
  }

  /**
   * read: asks a majority of the cluster for one bucket (once this node is Up); builder: the
   * table made from every entry applied so far; seen: each bucket's entries as last applied;
   * swapPending: a Swap is in the mailbox (the actor's own mutable state, touched by it alone).
   */
  private record Holder(CurrentTable table, Consumer<RouteTable> onChange,
                        Consumer<Key<LWWMap<String, Replicated>>> read, ActorRef<Command> self, TableBuilder builder,
                        Map<Key<LWWMap<String, Replicated>>, Map<String, Replicated>> seen, boolean[] swapPending,
                        org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers) {
    Behavior<Command> running(Map<Key<LWWMap<String, Replicated>>, LWWMap<String, Replicated>> data,
                              Set<Key<LWWMap<String, Replicated>>> unread, boolean synced) {
      return Behaviors.receive(Command.class)
          .onMessage(BucketChanged.class, c -> {
            data.put(c.key(), c.data());
            apply(c.key(), c.data());
            return swapSoon(data, unread, synced);
          })
          .onMessage(BucketRead.class, r -> {
            // what a majority holds, merged with what arrived meanwhile (both are CRDT states)
            if (r.data() != null) apply(r.key(), data.merge(r.key(), r.data(), LWWMap::merge));
            unread.remove(r.key());
            return swapSoon(data, unread, synced);
          })
          .onMessage(SyncedFlag.class, f -> {
            if (synced || !f.value()) return swapSoon(data, unread, synced);
            // The flag and the buckets are separate keys, and their changes may arrive in either
            // order: read every bucket again now, so that readiness waits for what was written
            // before the flag, not only for what this node happened to hear of first.
            readAll(unread);
            return swapSoon(data, unread, true);
          })
          .onMessage(SelfUp.class, up -> {
            readAll(unread); // a read before Up asked this node alone
            return Behaviors.same();
          })
          .onMessage(BucketReadFailed.class, f -> {
            read.accept(f.key());
            return Behaviors.same();
          })
          .onMessage(Swap.class, s -> swap(data, unread, synced))
          .onMessage(ApplyParked.class, a -> {
            if (builder.parkedCount() == 0) return Behaviors.same();
            org.slf4j.LoggerFactory.getLogger(ReplicatedTables.class).warn(
                "{} route entries waited {} s for the endpoints of the Service ports they name; applied without them",
                builder.parkedCount(), PARKED_AT_MOST.toSeconds());
            builder.applyParked();
            return swapSoon(data, unread, synced);
          })
          .build();
    }

    /** Applies what changed in one bucket since it was last applied. */
    private void apply(Key<LWWMap<String, Replicated>> key, LWWMap<String, Replicated> bucket) {
      Map<String, Replicated> now = bucket.getEntries();
      Map<String, Replicated> before = seen.getOrDefault(key, Map.of());
      now.forEach((entry, value) -> {
        Replicated was = before.get(entry);
        if (was != value && !value.equals(was)) builder.put(value); // unchanged entries keep their instance
      });
      before.forEach((entry, value) -> {
        if (!now.containsKey(entry)) builder.remove(value);
      });
      seen.put(key, now);
    }

    /** Asks a majority for every bucket again; readiness waits until each has answered. */
    private void readAll(Set<Key<LWWMap<String, Replicated>>> unread) {
      unread.addAll(TableKeys.all());
      TableKeys.all().forEach(read);
    }

    private Behavior<Command> swapSoon(Map<Key<LWWMap<String, Replicated>>, LWWMap<String, Replicated>> data,
                                       Set<Key<LWWMap<String, Replicated>>> unread, boolean synced) {
      if (!swapPending[0]) {
        swapPending[0] = true;
        self.tell(new Swap());
      }
      return running(data, unread, synced);
    }

    private Behavior<Command> swap(Map<Key<LWWMap<String, Replicated>>, LWWMap<String, Replicated>> data,
                                   Set<Key<LWWMap<String, Replicated>>> unread, boolean synced) {
      swapPending[0] = false;
      RouteTable next = builder.table();
      if (next != table.get()) {
        table.publish(next);
        onChange.accept(next); // before ready: the listeners expect the table's addresses first
      }
      if (synced && unread.isEmpty() && !table.ready()) table.markReady();
      if (builder.parkedCount() > 0 && !timers.isTimerActive("parked")) {
        timers.startSingleTimer("parked", new ApplyParked(), PARKED_AT_MOST);
      }
      return running(data, unread, synced);
    }
  }
}
