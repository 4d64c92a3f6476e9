package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.time.Instant;
import java.util.List;

/** What one Gateway contributes to the data plane: its addresses and its served listeners. */
public record GatewayTable(NamespacedName gateway, Instant created, List<String> addresses,
                           List<ListenerTable> listeners) {
  public GatewayTable {
    addresses = List.copyOf(addresses);
    listeners = List.copyOf(listeners);
  }
}
