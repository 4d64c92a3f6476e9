package dev.passage.rules;

import java.util.List;

/** A ListenerSet's status in the shape Kubernetes stores it: its conditions and one entry per listener. */
public record ListenerSetStatus(List<Condition> conditions, List<GatewayStatus.Listener> listeners) {
  public ListenerSetStatus {
    conditions = List.copyOf(conditions);
    listeners = List.copyOf(listeners);
  }
}
