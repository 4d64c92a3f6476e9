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
 * On every node: holds the replicated Gateway tables, swaps the node's RouteTable whenever one
 * changes, and tells the listeners. The node counts as holding the tables once it has read every
 * bucket from a majority of the cluster, after it has seen the controller's "first table complete"
 * flag; a node that joins late is therefore ready only with the current tables. When the controller is
 * away (moving, or the API server gone) the node keeps the tables it holds.
 */
public final class ReplicatedTables {
  public sealed interface Command {}

  private record BucketChanged(Key<LWWMap<String, GatewayTable>> key, LWWMap<String, GatewayTable> data)
      implements Command {}

  private record BucketRead(Key<LWWMap<String, GatewayTable>> key, LWWMap<String, GatewayTable> data)
      implements Command {}

  private record SyncedFlag(boolean value) implements Command {}

  /** A majority did not answer in time: ask again. */
  private record BucketReadFailed(Key<LWWMap<String, GatewayTable>> key) implements Command {}

  /** This node is Up: only now does "a majority" mean the cluster's, not this node alone. */
  private record SelfUp() implements Command {}

  private ReplicatedTables() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Behavior<Command> create(CurrentTable table, Consumer<RouteTable> onChange) {
    return Behaviors.setup(ctx -> {
      // typed allows one message adapter per class: one for all subscriptions, one for all reads
      ActorRef<Replicator.SubscribeResponse> changes = ctx.messageAdapter(Replicator.SubscribeResponse.class,
          ReplicatedTables::changed);
      ActorRef<Replicator.GetResponse> reads = ctx.messageAdapter(Replicator.GetResponse.class, ReplicatedTables::read);
      ActorRef<Replicator.Command> replicator = DistributedData.get(ctx.getSystem()).replicator();
      for (Key<LWWMap<String, GatewayTable>> key : TableKeys.all()) {
        replicator.tell(new Replicator.Subscribe(key, (ActorRef) changes));
      }
      replicator.tell(new Replicator.Subscribe(TableKeys.SYNCED, (ActorRef) changes));
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(org.apache.pekko.cluster.typed.SelfUp.class, up -> new SelfUp()),
          org.apache.pekko.cluster.typed.SelfUp.class));
      ActorRef<Replicator.GetResponse> readsRef = reads;
      Consumer<Key<LWWMap<String, GatewayTable>>> read = key ->
          replicator.tell(new Replicator.Get(key, new Replicator.ReadMajority(Duration.ofSeconds(5)), (ActorRef) readsRef));
      return new Holder(table, onChange, read).running(new HashMap<>(), new HashSet<>(TableKeys.all()), false);
    });
  }

  @SuppressWarnings("unchecked")
  private static Command changed(Replicator.SubscribeResponse<?> rsp) {
    if (rsp.key().equals(TableKeys.SYNCED)) {
      return new SyncedFlag(rsp instanceof Replicator.Changed<?> c && ((Flag) c.get(TableKeys.SYNCED)).enabled());
    }
    var key = (Key<LWWMap<String, GatewayTable>>) rsp.key();
    return new BucketChanged(key, rsp instanceof Replicator.Changed<?> c ? (LWWMap<String, GatewayTable>) c.get(key)
        : LWWMap.create());
  }

  @SuppressWarnings("unchecked")
  private static Command read(Replicator.GetResponse<?> rsp) {
    var key = (Key<LWWMap<String, GatewayTable>>) rsp.key();
    if (rsp instanceof Replicator.GetSuccess<?> ok) return new BucketRead(key, (LWWMap<String, GatewayTable>) ok.get(key));
    if (rsp instanceof Replicator.NotFound<?>) return new BucketRead(key, null); // nobody wrote it: empty
    return new BucketReadFailed(key);
  }

  /** read: asks a majority of the cluster for one bucket (once this node is Up). */
  private record Holder(CurrentTable table, Consumer<RouteTable> onChange,
                        Consumer<Key<LWWMap<String, GatewayTable>>> read) {
    Behavior<Command> running(Map<Key<LWWMap<String, GatewayTable>>, LWWMap<String, GatewayTable>> data,
                              Set<Key<LWWMap<String, GatewayTable>>> unread, boolean synced) {
      return Behaviors.receive(Command.class)
          .onMessage(BucketChanged.class, c -> {
            data.put(c.key(), c.data());
            return swap(data, unread, synced);
          })
          .onMessage(BucketRead.class, r -> {
            // what a majority holds, merged with what arrived meanwhile (both are CRDT states)
            if (r.data() != null) data.merge(r.key(), r.data(), LWWMap::merge);
            unread.remove(r.key());
            return swap(data, unread, synced);
          })
          .onMessage(SyncedFlag.class, f -> {
            if (synced || !f.value()) return swap(data, unread, synced);
            // The flag and the buckets are separate keys, and their changes may arrive in either
            // order: read every bucket again now, so that readiness waits for what was written
            // before the flag, not only for what this node happened to hear of first.
            readAll(unread);
            return swap(data, unread, true);
          })
          .onMessage(SelfUp.class, up -> {
            readAll(unread); // a read before Up asked this node alone
            return Behaviors.same();
          })
          .onMessage(BucketReadFailed.class, f -> {
            read.accept(f.key());
            return Behaviors.same();
          })
          .build();
    }

    /** Asks a majority for every bucket again; readiness waits until each has answered. */
    private void readAll(Set<Key<LWWMap<String, GatewayTable>>> unread) {
      unread.addAll(TableKeys.all());
      TableKeys.all().forEach(read);
    }

    private Behavior<Command> swap(Map<Key<LWWMap<String, GatewayTable>>, LWWMap<String, GatewayTable>> data,
                                   Set<Key<LWWMap<String, GatewayTable>>> unread, boolean synced) {
      // parts of each Gateway, in part order
      Map<NamespacedName, java.util.TreeMap<Integer, GatewayTable>> parts = new HashMap<>();
      for (LWWMap<String, GatewayTable> bucket : data.values()) {
        bucket.getEntries().forEach((entry, part) ->
            parts.computeIfAbsent(part.gateway(), g -> new java.util.TreeMap<>()).put(TableKeys.partOf(entry), part));
      }
      Map<NamespacedName, GatewayTable> gateways = new HashMap<>();
      parts.forEach((g, p) -> gateways.put(g, TableParts.merge(new java.util.ArrayList<>(p.values()))));
      RouteTable next = RouteTable.of(gateways);
      table.publish(next);
      onChange.accept(next); // before ready: the listeners expect the table's addresses first
      if (synced && unread.isEmpty() && !table.ready()) table.markReady();
      return running(data, unread, synced);
    }
  }
}
