package dev.passage.control;

import dev.passage.resources.GatewayView;
import dev.passage.resources.Input;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceIndex;
import dev.passage.rules.BindingRules;
import dev.passage.rules.GatewayJudgement;
import dev.passage.rules.GatewayRules;
import dev.passage.rules.ListenerSetJudgement;
import dev.passage.rules.RouteAttachment;
import dev.passage.rules.RulesSettings;
import dev.passage.table.BindAddress;
import dev.passage.table.GatewayEntry;
import dev.passage.table.RouteEntry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One per Gateway that Passage serves. It holds the attachments the routes naming it report, the
 * count of routes on each listener, and its own judgement (listeners, certificates, placement, and
 * the ListenerSets naming it, whose listeners merge into its own and whose statuses it writes),
 * which it makes again only when the controller says something it read has changed. For each
 * batch the controller tells it which routes will report; once they all have, it writes its
 * status and sends the table publisher what changed: its entry if its judgement did, and the
 * entries of the routes whose attachment did. So a Gateway never publishes half a batch, and a
 * route change costs the Gateway that route alone. (Its maps are mutable, held by the actor alone.)
 */
public final class GatewayActor extends AbstractBehavior<GatewayActor.Command> {
  public sealed interface Command {}

  /**
   * A batch concerns this Gateway: the routes in waitFor will report on this snapshot; judge: the
   * Gateway itself must be judged again (something it read changed).
   */
  public record Expect(ResourceIndex index, Set<ObjectKey> waitFor, boolean judge) implements Command {}

  /** A route's attachment to this Gateway as judged on snapshot version (null: it does not attach). */
  public record RouteReport(ObjectKey route, long version, RouteAttachment attachment) implements Command {}

  /** What the nodes could not bind: a listener on such an address is not Programmed. */
  record BindFailures(Map<BindAddress, String> failures) implements Command {}

  /** Reports of routes that have gone are remembered this many snapshots, against late reports of their old actor. */
  private static final long TOMBSTONE_VERSIONS = 1000;

  private final ObjectKey key;
  private final NamespacedName name;
  private final RulesSettings settings;
  private final ComputedStatuses state;
  private final ActorRef<TablePublisher.Command> publisher;
  private final ActorRef<Controller.Command> controller;
  private ResourceIndex index = ResourceIndex.EMPTY;
  private Map<BindAddress, String> bindFailures;
  private GatewayJudgement judgement;
  private GatewayEntry published;
  private boolean judge;
  private final Set<ObjectKey> awaiting = new HashSet<>();
  /** The snapshot version of each route's latest report, attached or not. */
  private final Map<ObjectKey, Long> reported = new HashMap<>();
  private final Map<ObjectKey, RouteAttachment> attachments = new HashMap<>();
  private final Map<String, Integer> counts = new HashMap<>();
  /** The ListenerSets whose statuses this actor wrote last. */
  private Set<ObjectKey> listenerSets = Set.of();
  /** Route entries changed since the last publication (null: removed). */
  private final Map<ObjectKey, RouteEntry> changed = new LinkedHashMap<>();

  public static Behavior<Command> create(ObjectKey key, RulesSettings settings, ComputedStatuses state,
                                         ActorRef<TablePublisher.Command> publisher, ActorRef<Controller.Command> controller,
                                         Map<BindAddress, String> bindFailures) {
    return Behaviors.setup(ctx -> new GatewayActor(ctx, key, settings, state, publisher, controller, bindFailures));
  }

  private GatewayActor(ActorContext<Command> ctx, ObjectKey key, RulesSettings settings, ComputedStatuses state,
                       ActorRef<TablePublisher.Command> publisher, ActorRef<Controller.Command> controller,
                       Map<BindAddress, String> bindFailures) {
    super(ctx);
    this.key = key;
    this.name = key.ref();
    this.settings = settings;
    this.state = state;
    this.publisher = publisher;
    this.controller = controller;
    this.bindFailures = bindFailures;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Expect.class, this::onExpect)
        .onMessage(RouteReport.class, this::onReport)
        .onMessage(BindFailures.class, f -> {
          bindFailures = f.failures();
          if (judgement != null) writeStatus();
          return this;
        })
        .onSignal(PostStop.class, s -> {
          // not withdrawn here: the actor also stops when the controller moves to another node,
          // and the tables must stay. The Controller withdraws a Gateway that is gone.
          state.removeStatus(key, this);
          listenerSets.forEach(set -> state.removeStatus(set, this));
          return this;
        })
        .build();
  }

  private Behavior<Command> onExpect(Expect e) {
    index = e.index();
    judge |= e.judge();
    awaiting.clear();
    for (ObjectKey r : e.waitFor()) {
      if (reported.getOrDefault(r, -1L) < index.version()) awaiting.add(r);
    }
    if (reported.size() > attachments.size() + 1000) forgetOldTombstones();
    return publishIfComplete(true);
  }

  private Behavior<Command> onReport(RouteReport r) {
    long before = reported.getOrDefault(r.route(), -1L);
    if (r.version() < before) return this; // an older report than one already applied (a replaced route actor)
    reported.put(r.route(), r.version());
    RouteAttachment was = r.attachment() == null ? attachments.remove(r.route()) : attachments.put(r.route(), r.attachment());
    if (!java.util.Objects.equals(was, r.attachment())) {
      if (was != null) was.hostnamesByListener().keySet().forEach(l -> counts.merge(l, -1, Integer::sum));
      if (r.attachment() != null) r.attachment().hostnamesByListener().keySet().forEach(l -> counts.merge(l, 1, Integer::sum));
      changed.put(r.route(), r.attachment() == null ? null : r.attachment().entry(name));
    }
    if (r.version() >= index.version()) awaiting.remove(r.route());
    return publishIfComplete(false);
  }

  /**
   * Once every route this batch waits for has reported: judges the Gateway if asked, writes the
   * status (its conditions may change when its table does not), and sends the publisher the
   * changes. expected: a batch's Expect (whose version the publisher must hear of even when nothing
   * changed).
   */
  private Behavior<Command> publishIfComplete(boolean expected) {
    if (!awaiting.isEmpty()) return this;
    boolean judged = judge;
    if (judge) {
      GatewayView gw = (GatewayView) index.get(key).orElse(null);
      if (gw == null) return this; // the controller stops this actor
      Set<Input> reads = new HashSet<>();
      judgement = GatewayRules.judge(gw, index.reading(reads), settings);
      controller.tell(new Controller.Judged(key, index.version(), reads));
      judge = false;
    }
    if (judgement == null) return this; // reports that came before the first Expect wait for it
    boolean entryChanged = !judgement.entry().equals(published);
    if (!judged && !entryChanged && changed.isEmpty() && !expected) return this;
    writeStatus();
    publisher.tell(new TablePublisher.GatewayUpdate(name, index.version(), entryChanged ? judgement.entry() : null,
        new LinkedHashMap<>(changed)));
    published = judgement.entry();
    changed.clear();
    return this;
  }

  /** The Gateway's status, and those of the ListenerSets naming it (this actor's to write: it judged them). */
  private void writeStatus() {
    state.putStatus(key, BindingRules.apply(judgement.status(counts), judgement.entry(), bindFailures), this);
    Set<ObjectKey> now = new HashSet<>();
    for (ListenerSetJudgement set : judgement.listenerSets()) {
      String prefix = set.key().namespace() + "/" + set.key().name() + "/";
      state.putStatus(set.key(), BindingRules.apply(set.status(counts), prefix, judgement.entry(), bindFailures), this);
      now.add(set.key());
    }
    // a ListenerSet that names another Gateway now, or is gone: its status is no longer this actor's
    for (ObjectKey gone : listenerSets) if (!now.contains(gone)) state.removeStatus(gone, this);
    listenerSets = now;
  }

  private void forgetOldTombstones() {
    long oldest = index.version() - TOMBSTONE_VERSIONS;
    reported.entrySet().removeIf(e -> e.getValue() < oldest && !attachments.containsKey(e.getKey()));
  }
}
