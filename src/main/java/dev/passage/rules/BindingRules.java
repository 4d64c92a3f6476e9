package dev.passage.rules;

import dev.passage.table.BindAddress;
import dev.passage.table.GatewayEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the data plane's bindings do to a Gateway's status. A listener whose address some node
 * cannot bind (a port another process holds, an address the host does not have) is not
 * Programmed: {@code Programmed=False}, reason {@code Pending} (Passage keeps trying, so it may
 * yet be), with a message naming the address, the node and the cause. Accepted is untouched: the
 * listener is valid, and stays in the table so that every node keeps trying. The Gateway turns
 * {@code Programmed=False} (reason Pending) only when none of its programmed listeners is bound.
 */
public final class BindingRules {
  private BindingRules() {}

  /** failures: per binding address, why it cannot be bound, each cause naming its node. */
  public static GatewayStatus apply(GatewayStatus status, GatewayEntry table, Map<BindAddress, String> failures) {
    if (failures.isEmpty()) return status;
    Applied a = apply(status.listeners(), status.conditions(), "", table, failures);
    return new GatewayStatus(status.addresses(), a.conditions(), a.listeners(), status.attachedListenerSets());
  }

  /** The same for a ListenerSet of the Gateway whose entry is table (its listeners' keys start with keyPrefix). */
  public static ListenerSetStatus apply(ListenerSetStatus status, String keyPrefix, GatewayEntry table,
                                        Map<BindAddress, String> failures) {
    if (failures.isEmpty() || status.listeners().isEmpty()) return status;
    Applied a = apply(status.listeners(), status.conditions(), keyPrefix, table, failures);
    return new ListenerSetStatus(a.conditions(), a.listeners());
  }

  private record Applied(List<Condition> conditions, List<GatewayStatus.Listener> listeners) {}

  private static Applied apply(List<GatewayStatus.Listener> in, List<Condition> conditions, String keyPrefix,
                               GatewayEntry table, Map<BindAddress, String> failures) {
    List<GatewayStatus.Listener> listeners = new ArrayList<>();
    List<String> unbound = new ArrayList<>();
    for (GatewayStatus.Listener l : in) {
      String why = whyNotBound(keyPrefix + l.name(), table, failures);
      if (why == null || !holds(l.conditions(), "Programmed")) {
        listeners.add(l);
        continue;
      }
      unbound.add(why);
      listeners.add(new GatewayStatus.Listener(l.name(), l.supportedKinds(), l.attachedRoutes(),
          replace(l.conditions(), "Programmed", "Pending", why + "; trying again until it can")));
    }
    boolean noneBound = listeners.stream().noneMatch(l -> holds(l.conditions(), "Programmed"));
    if (!unbound.isEmpty() && noneBound && holds(conditions, "Programmed")) {
      conditions = replace(conditions, "Programmed", "Pending", "no listener is bound: " + String.join("; ", unbound));
    }
    return new Applied(conditions, listeners);
  }

  private static String whyNotBound(String listener, GatewayEntry table, Map<BindAddress, String> failures) {
    for (GatewayEntry.Listener l : table.listeners()) {
      if (!l.name().equals(listener)) continue;
      for (String host : table.addresses()) {
        BindAddress address = new BindAddress(host, l.bindPort(), l.udp());
        String cause = failures.get(address);
        if (cause != null) return "cannot listen on " + address + ": " + cause;
      }
    }
    return null;
  }

  private static boolean holds(List<Condition> conditions, String type) {
    return conditions.stream().anyMatch(c -> c.type().equals(type) && c.holds());
  }

  private static List<Condition> replace(List<Condition> conditions, String type, String reason, String message) {
    return conditions.stream()
        .map(c -> c.type().equals(type) ? Condition.isFalse(type, reason, message, c.observedGeneration()) : c)
        .toList();
  }
}
