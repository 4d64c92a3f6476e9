package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.util.List;

/**
 * The routes of one TLS listener, most specific hostname first. hostname is "" when the listener
 * has none. port is the listener's port; bindPort the one the data plane binds for it (the same
 * standalone; allocated in Kubernetes mode, behind the Gateway's Service). terminate is null for a
 * Passthrough listener; for a Terminate one it names the Secrets of its certificates: only the
 * references travel between nodes, never the keys (each node reads the Secrets it serves itself).
 */
public record ListenerTable(String name, int port, int bindPort, String hostname, List<HostRoute> routes,
                            Termination terminate) {
  public ListenerTable {
    routes = List.copyOf(routes);
  }

  public ListenerTable(String name, int port, int bindPort, String hostname, List<HostRoute> routes) {
    this(name, port, bindPort, hostname, routes, null);
  }

  /** A Terminate listener's certificates: the Secrets of its certificateRefs, in order. */
  public record Termination(List<NamespacedName> certificates) {
    public Termination {
      certificates = List.copyOf(certificates);
    }
  }
}
