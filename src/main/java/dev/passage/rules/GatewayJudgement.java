package dev.passage.rules;

import dev.passage.table.GatewayEntry;
import java.util.List;
import java.util.Map;

/**
 * A Gateway judged on its own ({@link GatewayRules#judge}): its listeners, the addresses its status
 * reports, its conditions, and its entry in the route table. Its status also counts the routes
 * attached to each listener, which change without the Gateway being judged again. listenerSets:
 * the ListenerSets naming the Gateway, judged with it (their statuses are the Gateway actor's to
 * write); attachedListenerSets: null when the Gateway admits none (see {@link GatewayStatus}).
 */
public record GatewayJudgement(List<ListenerResult> listeners, List<GatewayStatus.Address> addresses,
                               List<Condition> conditions, GatewayEntry entry, List<ListenerSetJudgement> listenerSets,
                               Integer attachedListenerSets) {
  public GatewayJudgement {
    listeners = List.copyOf(listeners);
    addresses = List.copyOf(addresses);
    conditions = List.copyOf(conditions);
    listenerSets = List.copyOf(listenerSets);
  }

  /** The status, with attachedRoutes from these counts (by listener name; absent: 0). */
  public GatewayStatus status(Map<String, Integer> attached) {
    return new GatewayStatus(addresses, conditions, listeners.stream().map(l -> l.status(attached)).toList(),
        attachedListenerSets);
  }
}
