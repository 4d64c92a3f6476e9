package dev.passage.table;

import java.util.List;

/**
 * The routes of one Passthrough listener, most specific hostname first. hostname is "" when the
 * listener has none. port is the listener's port; bindPort the one the data plane binds for it
 * (the same standalone; allocated in Kubernetes mode, behind the Gateway's Service).
 */
public record ListenerTable(String name, int port, int bindPort, String hostname, List<HostRoute> routes) {
  public ListenerTable {
    routes = List.copyOf(routes);
  }
}
