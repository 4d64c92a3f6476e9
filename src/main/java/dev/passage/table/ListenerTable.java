package dev.passage.table;

import java.util.List;

/**
 * The routes of one Passthrough listener, most specific hostname first. hostname is "" when the
 * listener has none.
 */
public record ListenerTable(String name, int port, String hostname, List<HostRoute> routes) {
  public ListenerTable {
    routes = List.copyOf(routes);
  }
}
