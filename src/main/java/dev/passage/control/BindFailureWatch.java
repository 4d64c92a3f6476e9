package dev.passage.control;

import dev.passage.table.BindAddress;
import dev.passage.table.BindFailures;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Reads what every node's listeners could not bind ({@link BindFailures}) and tells the
 * controller, per binding address, why, naming the nodes. Entries of nodes that have left the
 * cluster are ignored, and removed by this (the one control plane) so that they do not linger.
 */
final class BindFailureWatch {
  sealed interface Command {}

  private record Changed(LWWMap<String, BindFailures> data) implements Command {}

  /** A member joined, came up or left: entries are read against the membership. */
  private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

  private BindFailureWatch() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  static Behavior<Command> create(Consumer<Map<BindAddress, String>> onChange) {
    return Behaviors.setup(ctx -> {
      DistributedData ddata = DistributedData.get(ctx.getSystem());
      ActorRef<Replicator.SubscribeResponse> changes = ctx.messageAdapter(Replicator.SubscribeResponse.class,
          rsp -> new Changed(rsp instanceof Replicator.Changed<?> c
              ? (LWWMap<String, BindFailures>) c.get(BindFailures.KEY) : LWWMap.create()));
      ddata.replicator().tell(new Replicator.Subscribe(BindFailures.KEY, (ActorRef) changes));
      Cluster cluster = Cluster.get(ctx.getSystem());
      cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberEvent.class,
          MemberChanged::new), ClusterEvent.MemberEvent.class));
      Seen seen = new Seen(cluster, onChange);
      return Behaviors.receive(Command.class)
          .onMessage(Changed.class, c -> {
            seen.data(c.data());
            return Behaviors.same();
          })
          .onMessage(MemberChanged.class, m -> {
            if (m.event() instanceof ClusterEvent.MemberRemoved gone) {
              String node = gone.member().address().toString();
              ddata.replicator().tell(new Replicator.Update<>(BindFailures.KEY, LWWMap.<String, BindFailures>create(),
                  Replicator.writeLocal(), ctx.getSystem().ignoreRef(), map -> map.remove(ddata.selfUniqueAddress(), node)));
            }
            seen.membersChanged();
            return Behaviors.same();
          })
          .build();
    });
  }

  /**
   * What the watch has seen (the behaviour's state, on its one thread): the latest replicated
   * failures, and what the controller was last told, so that it is told only of a change.
   */
  private static final class Seen {
    private final Cluster cluster;
    private final Consumer<Map<BindAddress, String>> onChange;
    private LWWMap<String, BindFailures> latest = LWWMap.create();
    private Map<BindAddress, String> told = Map.of();

    Seen(Cluster cluster, Consumer<Map<BindAddress, String>> onChange) {
      this.cluster = cluster;
      this.onChange = onChange;
    }

    void data(LWWMap<String, BindFailures> data) {
      latest = data;
      told = tell(latest, cluster, told, onChange);
    }

    void membersChanged() {
      told = tell(latest, cluster, told, onChange);
    }
  }

  private static Map<BindAddress, String> tell(LWWMap<String, BindFailures> data, Cluster cluster,
                                               Map<BindAddress, String> before,
                                               Consumer<Map<BindAddress, String>> onChange) {
    Set<String> members = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
        .map(m -> m.address().toString()).collect(Collectors.toSet());
    Map<BindAddress, String> now = new TreeMap<>();
    new TreeMap<>(data.getEntries()).forEach((node, failures) -> {
      if (!members.contains(node)) return;
      for (BindFailures.Failure f : failures.failures()) {
        now.merge(f.address(), f.cause() + " (node " + node + ")", (a, b) -> a + "; " + b);
      }
    });
    if (!now.equals(before)) onChange.accept(Map.copyOf(now));
    return now;
  }
}
