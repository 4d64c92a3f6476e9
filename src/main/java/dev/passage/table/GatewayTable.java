package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.time.Instant;
import java.util.List;

/**
 * One Gateway as the route table shows it (/passage/routes, golden files, tests): the addresses it
 * binds ({@link #ANY_NODE} for "this node's bind address", as in Kubernetes mode, where every pod
 * serves every Gateway) and its served listeners with the routes on each. A view made from the
 * table's entries on demand; what travels between nodes are the entries themselves.
 */
public record GatewayTable(NamespacedName gateway, Instant created, List<String> addresses,
                           List<ListenerTable> listeners) {
  public static final String ANY_NODE = "*";

  public GatewayTable {
    addresses = List.copyOf(addresses);
    listeners = List.copyOf(listeners);
  }
}
