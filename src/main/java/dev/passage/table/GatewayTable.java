package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.time.Instant;
import java.util.List;

/**
 * What one Gateway contributes to the data plane: the addresses to bind ({@link #ANY_NODE} for
 * "this node's bind address", as in Kubernetes mode, where every pod serves every Gateway) and
 * its served listeners. Replicated to every node through Distributed Data.
 */
public record GatewayTable(NamespacedName gateway, Instant created, List<String> addresses,
                           List<ListenerTable> listeners) implements Replicated {
  public static final String ANY_NODE = "*";

  public GatewayTable {
    addresses = List.copyOf(addresses);
    listeners = List.copyOf(listeners);
  }
}
