package dev.passage.rules;

import dev.passage.resources.ObjectKey;
import java.util.List;
import java.util.Map;

/**
 * A ListenerSet judged with its parent Gateway ({@link GatewayRules#judge}): its listeners and
 * conditions. Its status also counts the routes attached to each of its listeners, by listener
 * key, as the Gateway's does.
 */
public record ListenerSetJudgement(ObjectKey key, List<ListenerResult> listeners, List<Condition> conditions) {
  public ListenerSetJudgement {
    listeners = List.copyOf(listeners);
    conditions = List.copyOf(conditions);
  }

  /** Accepted=True: the ListenerSet counts in its Gateway's attachedListenerSets. */
  public boolean accepted() {
    return conditions.stream().anyMatch(c -> c.type().equals("Accepted") && c.holds());
  }

  /** The status, with attachedRoutes from these counts (by listener key; absent: 0). */
  public ListenerSetStatus status(Map<String, Integer> attached) {
    return new ListenerSetStatus(conditions, listeners.stream().map(l -> l.status(attached)).toList());
  }
}
