package dev.passage.control;

import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.table.BackendKey;
import dev.passage.table.ResolvedBackend;
import dev.passage.table.EndpointsEntry;
import dev.passage.table.GatewayEntry;
import dev.passage.table.Replicated;
import dev.passage.table.RouteEntry;
import dev.passage.table.TableKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.cluster.ddata.Flag;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's side of the route table: writes the entries that changed (a Gateway's, a
 * route's on a Gateway, a Service port's endpoints) into their Distributed Data buckets, a few
 * dozen per update, written locally and gossiped; an entry equal to what the bucket holds is not
 * written again. It starts by reading what the buckets hold (an earlier controller wrote them),
 * so that a controller taking over rewrites only what differs; once every Gateway known at the
 * first sync has published, it removes the entries nothing current owns and raises the "synced"
 * flag. It also logs each change set once the Gateways it concerns have published it.
 */
public final class TablePublisher {
  private static final Logger log = LoggerFactory.getLogger(TablePublisher.class);

  public sealed interface Command {}

  /**
   * What changed in a Gateway's table on snapshot version: its entry (null: unchanged) and the
   * entries of its routes (a null value: the route no longer attaches).
   */
  public record GatewayUpdate(NamespacedName gateway, long version, GatewayEntry entry, Map<ObjectKey, RouteEntry> routes)
      implements Command {}

  public record Withdrawn(NamespacedName gateway) implements Command {}

  /**
   * Entries of Service ports that changed (endpoints, none ready when empty, and backend TLS), or
   * null: withdrawn, as no route names the port any more.
   */
  public record EndpointsUpdate(Map<BackendKey, EndpointsEntry> endpoints) implements Command {}

  /** From the controller at the first sync: these Gateways must publish at least this version. */
  public record AwaitFirst(Set<NamespacedName> gateways, long version) implements Command {}

  /** A change set to log once every Gateway it names has published its snapshot (or is gone). */
  record Changes(ChangeSet changes) implements Command {}

  private record Written(Replicator.UpdateResponse<?> response) implements Command {}

  private record BucketRead(Key<LWWMap<String, Replicated>> key, LWWMap<String, Replicated> data) implements Command {}

  private record BucketReadFailed(Key<LWWMap<String, Replicated>> key) implements Command {}

  private TablePublisher() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Behavior<Command> create() {
    return Behaviors.withStash(100_000, stash -> Behaviors.setup(ctx -> {
      // one adapter for every update reply, one for every read (typed allows one per class)
      ActorRef<Replicator.UpdateResponse<?>> replies = (ActorRef) ctx.messageAdapter(Replicator.UpdateResponse.class,
          r -> new Written(r));
      ActorRef<Replicator.GetResponse<?>> reads = (ActorRef) ctx.messageAdapter(Replicator.GetResponse.class,
          TablePublisher::read);
      DistributedData ddata = DistributedData.get(ctx.getSystem());
      Publisher p = new Publisher(ctx, ddata.replicator(), replies, reads, ddata.selfUniqueAddress());
      TableKeys.all().forEach(p::read);
      return p.starting(stash, new HashSet<>(TableKeys.all()));
    }));
  }

  @SuppressWarnings("unchecked")
  private static Command read(Replicator.GetResponse<?> rsp) {
    var key = (Key<LWWMap<String, Replicated>>) rsp.key();
    if (rsp instanceof Replicator.GetSuccess<?> ok) return new BucketRead(key, (LWWMap<String, Replicated>) ok.get(key));
    if (rsp instanceof Replicator.NotFound<?>) return new BucketRead(key, null);
    return new BucketReadFailed(key);
  }

  /** The publisher's state, the actor's own (touched by it alone). */
  private static final class Publisher {
    private final ActorContext<Command> ctx;
    private final ActorRef<Replicator.Command> replicator;
    private final ActorRef<Replicator.UpdateResponse<?>> replies;
    private final ActorRef<Replicator.GetResponse<?>> reads;
    private final SelfUniqueAddress self;
    /** What the buckets hold, as far as this publisher knows: what it found at start, then what it wrote. */
    private final Map<String, Replicated> written = new HashMap<>();
    /** The entries this controller has written or found current: at the first sync, the others go. */
    private final Set<String> confirmed = new HashSet<>();
    private final Map<NamespacedName, Set<String>> routesOf = new HashMap<>();
    private final Set<NamespacedName> gateways = new HashSet<>();
    /** Writes waiting for the end of the message, by bucket: entry -> value (null: remove). */
    private final Map<Key<LWWMap<String, Replicated>>, Map<String, Replicated>> toWrite = new LinkedHashMap<>();
    private final Map<NamespacedName, Long> versions = new HashMap<>();
    private final List<ChangeSet> pending = new ArrayList<>();
    private static final Replicator.WriteConsistency WRITE_ALL = new Replicator.WriteAll(Duration.ofSeconds(3));
    private AwaitFirst awaiting;
    private boolean synced;

    Publisher(ActorContext<Command> ctx, ActorRef<Replicator.Command> replicator,
              ActorRef<Replicator.UpdateResponse<?>> replies, ActorRef<Replicator.GetResponse<?>> reads,
              SelfUniqueAddress self) {
      this.ctx = ctx;
      this.replicator = replicator;
      this.replies = replies;
      this.reads = reads;
      this.self = self;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void read(Key<LWWMap<String, Replicated>> key) {
      replicator.tell(new Replicator.Get(key, new Replicator.ReadMajority(Duration.ofSeconds(5)), (ActorRef) reads));
    }

    /** Reads what the buckets hold before anything is written; the rest waits. */
    Behavior<Command> starting(StashBuffer<Command> stash, Set<Key<LWWMap<String, Replicated>>> unread) {
      return Behaviors.receive(Command.class)
          .onMessage(BucketRead.class, r -> {
            if (r.data() != null) written.putAll(r.data().getEntries());
            unread.remove(r.key());
            if (!unread.isEmpty()) return Behaviors.same();
            log.debug("the route table holds {} entries from before this controller", written.size());
            return stash.unstashAll(running());
          })
          .onMessage(BucketReadFailed.class, f -> {
            read(f.key()); // a majority did not answer in time: ask again
            return Behaviors.same();
          })
          .onMessage(Command.class, m -> {
            stash.stash(m);
            return Behaviors.same();
          })
          .build();
    }

    Behavior<Command> running() {
      return Behaviors.receive(Command.class)
          .onMessage(GatewayUpdate.class, u -> {
            String header = "g|" + u.gateway();
            if (u.entry() != null) put(header, u.entry());
            else if (written.containsKey(header)) confirmed.add(header);
            gateways.add(u.gateway());
            Set<String> routes = routesOf.computeIfAbsent(u.gateway(), g -> new HashSet<>());
            u.routes().forEach((route, entry) -> {
              String key = routeKey(u.gateway(), route);
              if (entry == null) {
                remove(key);
                routes.remove(key);
              } else {
                put(key, entry);
                routes.add(key);
              }
            });
            versions.merge(u.gateway(), u.version(), Math::max);
            return flushAndCheck();
          })
          .onMessage(Withdrawn.class, w -> {
            remove("g|" + w.gateway());
            routesOf.getOrDefault(w.gateway(), Set.of()).forEach(this::remove);
            routesOf.remove(w.gateway());
            gateways.remove(w.gateway());
            pending.replaceAll(c -> c.without(w.gateway())); // a Gateway that is gone is not waited for
            versions.remove(w.gateway());
            return flushAndCheck();
          })
          .onMessage(EndpointsUpdate.class, e -> {
            e.endpoints().forEach((backend, entry) -> {
              String key = TableKeys.keyOf(new EndpointsEntry(backend, List.of()));
              if (entry == null) remove(key);
              else put(key, entry);
            });
            return flushAndCheck();
          })
          .onMessage(AwaitFirst.class, a -> {
            awaiting = a;
            return flushAndCheck();
          })
          .onMessage(Changes.class, c -> {
            pending.add(c.changes());
            return flushAndCheck();
          })
          .onMessage(Written.class, w -> {
            if (w.response() instanceof Replicator.UpdateTimeout<?>) {
              // written here; a node that did not confirm in time (unreachable, or leaving) gets it by gossip
              log.debug("route table update not confirmed by every node in time: {}", w.response());
            } else if (!(w.response() instanceof Replicator.UpdateSuccess<?>)) {
              log.warn("route table update failed: {}", w.response());
            }
            return Behaviors.same();
          })
          .onMessage(BucketRead.class, r -> Behaviors.same()) // a read answered twice
          .onMessage(BucketReadFailed.class, r -> Behaviors.same())
          .build();
    }

    private static String routeKey(NamespacedName gateway, ObjectKey route) {
      return "r|" + gateway + "|" + route.kind().kindName() + "|" + route.namespace() + "/" + route.name();
    }

    private void put(String key, Replicated value) {
      confirmed.add(key);
      if (value.equals(written.get(key))) return; // the bucket holds it already
      written.put(key, value);
      toWrite.computeIfAbsent(TableKeys.bucketOf(key), k -> new LinkedHashMap<>()).put(key, value);
    }

    private void remove(String key) {
      confirmed.remove(key);
      if (written.remove(key) == null) return;
      toWrite.computeIfAbsent(TableKeys.bucketOf(key), k -> new LinkedHashMap<>()).put(key, null);
    }

    private Behavior<Command> flushAndCheck() {
      logApplied();
      if (!synced && awaiting != null && awaiting.gateways().stream()
          .allMatch(g -> versions.getOrDefault(g, -1L) >= awaiting.version())) {
        // the first complete table is out: what no current owner confirmed was left by an earlier controller
        for (String key : new ArrayList<>(written.keySet())) if (!confirmed.contains(key)) remove(key);
        flush();
        update(TableKeys.SYNCED, Flag.create(), Flag::switchOn);
        synced = true;
        return Behaviors.same();
      }
      flush();
      return Behaviors.same();
    }

    /**
     * One Update per bucket per few dozen entries. Written to every node at once (WriteAll): the
     * Replicator sends the update's delta to each node now, where a local write would wait for the
     * next delta propagation round (every gossip-interval / 5, 400 ms: most of what a route change
     * took to be served). The write is applied here whatever the answer; a node that does not
     * confirm in time gets it by gossip.
     */
    private void flush() {
      toWrite.forEach((bucket, entries) -> {
        List<Map.Entry<String, Replicated>> all = new ArrayList<>(entries.entrySet());
        for (int from = 0; from < all.size(); from += TableKeys.ENTRIES_PER_UPDATE) {
          List<Map.Entry<String, Replicated>> batch = all.subList(from, Math.min(all.size(), from + TableKeys.ENTRIES_PER_UPDATE));
          Map<String, Replicated> ops = new LinkedHashMap<>();
          batch.forEach(e -> ops.put(e.getKey(), e.getValue()));
          update(bucket, LWWMap.<String, Replicated>empty(), m -> {
            LWWMap<String, Replicated> out = m;
            for (Map.Entry<String, Replicated> op : ops.entrySet()) {
              out = op.getValue() == null ? out.remove(self, op.getKey()) : out.put(self, op.getKey(), op.getValue());
            }
            return out;
          });
        }
      });
      toWrite.clear();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private <T extends org.apache.pekko.cluster.ddata.ReplicatedData> void update(Key<T> key, T initial,
                                                                                 java.util.function.Function<T, T> modify) {
      replicator.tell(new Replicator.Update<>(key, initial, WRITE_ALL, (ActorRef) replies, modify));
    }

    /** Logs, oldest first, each change set whose Gateways have all published its snapshot or gone. */
    private void logApplied() {
      while (!pending.isEmpty()) {
        ChangeSet c = pending.get(0);
        boolean applied = c.gateways().stream().allMatch(g -> versions.getOrDefault(g, -1L) >= c.version());
        if (!applied) return;
        pending.remove(0);
        if (c.endpointsOnly()) log.debug("applied {}; {}", c.describe(), serving());
        else log.info("applied {}; {}", c.describe(), serving());
      }
    }

    /** The routes each Gateway's table serves now: "serving default/gw (3 routes), ...". */
    private String serving() {
      if (gateways.isEmpty()) return "serving no Gateway";
      List<String> each = new ArrayList<>();
      for (NamespacedName g : new java.util.TreeSet<>(gateways)) {
        int routes = routesOf.getOrDefault(g, Set.of()).size();
        each.add(g + " (" + routes + (routes == 1 ? " route)" : " routes)"));
      }
      int shown = 10;
      return "serving " + String.join(", ", each.subList(0, Math.min(shown, each.size())))
          + (each.size() > shown ? " and " + (each.size() - shown) + " more Gateways" : "");
    }
  }
}
