package dev.passage.rules;

import dev.passage.resources.GroupKind;
import java.util.List;

/**
 * A Gateway's status in the shape Kubernetes stores it. attachedListenerSets is null (left out)
 * for a Gateway whose allowedListeners admits no namespace: its status keeps the shape it had
 * before ListenerSets, which API servers with older CRDs store unchanged.
 */
public record GatewayStatus(List<Address> addresses, List<Condition> conditions, List<Listener> listeners,
                            Integer attachedListenerSets) {
  public GatewayStatus(List<Address> addresses, List<Condition> conditions, List<Listener> listeners) {
    this(addresses, conditions, listeners, null);
  }

  public GatewayStatus {
    addresses = List.copyOf(addresses);
    conditions = List.copyOf(conditions);
    listeners = List.copyOf(listeners);
  }

  public record Address(String type, String value) {}

  public record Listener(String name, List<GroupKind> supportedKinds, int attachedRoutes, List<Condition> conditions) {
    public Listener {
      supportedKinds = List.copyOf(supportedKinds);
      conditions = List.copyOf(conditions);
    }
  }
}
