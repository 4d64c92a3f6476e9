package dev.passage.control;

import dev.passage.resources.NamespacedName;
import dev.passage.table.GatewayTable;
import dev.passage.table.TableKeys;
import dev.passage.table.TableParts;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Flag;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The controller's side of the route tables: cuts each Gateway's table into parts and writes the
 * parts that changed into their Distributed Data buckets (small updates, written locally and
 * gossiped), removes withdrawn ones, and once every Gateway known at the first sync has
 * published, raises the "synced" flag and sweeps out entries no current part owns (left by an
 * earlier controller).
 */
public final class TablePublisher {
  public sealed interface Command {}

  public record Published(GatewayTable table, long version) implements Command {}

  public record Withdrawn(NamespacedName gateway) implements Command {}

  /** From the controller at the first sync: these Gateways must publish at least this version. */
  public record AwaitFirst(Set<NamespacedName> gateways, long version) implements Command {}

  /** A change set to log once every Gateway it names has published its snapshot (or is gone). */
  record Changes(ChangeSet changes) implements Command {}

  private record Written(Replicator.UpdateResponse<?> response) implements Command {}

  private TablePublisher() {}

  public static Behavior<Command> create() {
    return Behaviors.setup(ctx -> {
      // one adapter for every update reply (typed allows one message adapter per class)
      @SuppressWarnings({"unchecked", "rawtypes"})
      ActorRef<Replicator.UpdateResponse<?>> replies = (ActorRef) ctx.messageAdapter(Replicator.UpdateResponse.class,
          r -> new Written(r));
      return new Publisher(DistributedData.get(ctx.getSystem()).replicator(), replies,
          DistributedData.get(ctx.getSystem()).selfUniqueAddress(), new HashMap<>(), new java.util.ArrayList<>())
          .running(Map.of(), null, false);
    });
  }

  /**
   * written: the parts last written for each Gateway; pending: change sets not yet logged, oldest
   * first (the actor's own state, touched only by it).
   */
  private record Publisher(ActorRef<Replicator.Command> replicator, ActorRef<Replicator.UpdateResponse<?>> replies,
                           SelfUniqueAddress self, Map<String, List<GatewayTable>> written, List<ChangeSet> pending) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    private <T extends org.apache.pekko.cluster.ddata.ReplicatedData> void update(
        org.apache.pekko.cluster.ddata.Key<T> key, T initial, java.util.function.Function<T, T> modify) {
      replicator.tell(new Replicator.Update<>(key, initial, Replicator.writeLocal(), (ActorRef) replies, modify));
    }

    /** versions: the snapshot each Gateway last published; awaiting: null until the first sync. */
    Behavior<Command> running(Map<NamespacedName, Long> versions, AwaitFirst awaiting, boolean synced) {
      return Behaviors.receive(Command.class)
          .onMessage(Published.class, p -> {
            String id = p.table().gateway().toString();
            List<GatewayTable> parts = TableParts.split(p.table(), TableKeys.ROUTES_PER_PART);
            List<GatewayTable> before = written.getOrDefault(id, List.of());
            for (int i = 0; i < parts.size(); i++) {
              if (i < before.size() && before.get(i).equals(parts.get(i))) continue; // unchanged part
              String entry = TableKeys.entry(id, i);
              GatewayTable part = parts.get(i);
              update(TableKeys.bucketOf(entry), LWWMap.<String, GatewayTable>empty(), m -> m.put(self, entry, part));
            }
            for (int i = parts.size(); i < before.size(); i++) removeEntry(TableKeys.entry(id, i));
            written.put(id, parts);
            Map<NamespacedName, Long> v = new HashMap<>(versions);
            v.put(p.table().gateway(), p.version());
            return check(v, awaiting, synced);
          })
          .onMessage(Withdrawn.class, w -> {
            String id = w.gateway().toString();
            for (int i = 0; i < written.getOrDefault(id, List.of()).size(); i++) removeEntry(TableKeys.entry(id, i));
            written.remove(id);
            pending.replaceAll(c -> c.without(w.gateway())); // a Gateway that is gone is not waited for
            Map<NamespacedName, Long> v = new HashMap<>(versions);
            v.remove(w.gateway());
            return check(v, awaiting, synced);
          })
          .onMessage(AwaitFirst.class, a -> check(versions, a, synced))
          .onMessage(Changes.class, c -> {
            pending.add(c.changes());
            return check(versions, awaiting, synced);
          })
          .onMessage(Written.class, w -> {
            if (!(w.response() instanceof Replicator.UpdateSuccess<?>)) {
              org.slf4j.LoggerFactory.getLogger(TablePublisher.class).warn("route table update failed: {}", w.response());
            }
            return Behaviors.same();
          })
          .build();
    }

    /** Logs, oldest first, each change set whose Gateways have all published its snapshot or gone. */
    private void logApplied(Map<NamespacedName, Long> versions) {
      while (!pending.isEmpty()) {
        ChangeSet c = pending.get(0);
        boolean applied = c.gateways().stream().allMatch(g -> versions.getOrDefault(g, -1L) >= c.version());
        if (!applied) return;
        pending.remove(0);
        org.slf4j.LoggerFactory.getLogger(TablePublisher.class).info("applied {}; {}", c.describe(), serving());
      }
    }

    /** The routes each Gateway's table serves now: "serving default/gw (3 routes), ...". */
    private String serving() {
      if (written.isEmpty()) return "serving no Gateway";
      List<String> each = new java.util.ArrayList<>();
      new java.util.TreeMap<>(written).forEach((id, parts) -> {
        long routes = parts.stream().flatMap(p -> p.listeners().stream()).flatMap(l -> l.routes().stream())
            .map(dev.passage.table.HostRoute::route).distinct().count();
        each.add(id + " (" + routes + (routes == 1 ? " route)" : " routes)"));
      });
      int shown = 10;
      return "serving " + String.join(", ", each.subList(0, Math.min(shown, each.size())))
          + (each.size() > shown ? " and " + (each.size() - shown) + " more Gateways" : "");
    }

    private void removeEntry(String entry) {
      update(TableKeys.bucketOf(entry), LWWMap.<String, GatewayTable>empty(), m -> m.remove(self, entry));
    }

    private Behavior<Command> check(Map<NamespacedName, Long> versions, AwaitFirst awaiting, boolean synced) {
      logApplied(versions);
      if (synced || awaiting == null) return running(versions, awaiting, synced);
      boolean all = awaiting.gateways().stream().allMatch(g -> versions.getOrDefault(g, -1L) >= awaiting.version());
      if (!all) return running(versions, awaiting, false);
      Set<String> live = new java.util.HashSet<>();
      written.forEach((id, parts) -> {
        for (int i = 0; i < parts.size(); i++) live.add(TableKeys.entry(id, i));
      });
      for (var key : TableKeys.all()) {
        update(key, LWWMap.<String, GatewayTable>empty(), m -> {
          LWWMap<String, GatewayTable> out = m;
          for (String id : m.getEntries().keySet()) if (!live.contains(id)) out = out.remove(self, id);
          return out;
        });
      }
      update(TableKeys.SYNCED, Flag.create(), Flag::switchOn);
      return running(versions, awaiting, true);
    }
  }
}
