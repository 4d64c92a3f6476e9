package dev.passage.table;

import dev.passage.resources.NamespacedName;
import dev.passage.rules.ResolvedBackend;
import java.util.List;

/** One hostname a listener serves ("" for every name), the route that won it, and its backends. */
public record HostRoute(String hostname, NamespacedName route, List<ResolvedBackend> backends) {
  public HostRoute {
    backends = List.copyOf(backends);
  }
}
