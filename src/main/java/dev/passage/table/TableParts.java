package dev.passage.table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts a Gateway's table into parts of at most a given number of routes, and puts parts back
 * together. Each part is replicated as its own entry, so that no entry nears Artery's frame
 * limit however many routes a Gateway has, and a change to one route rewrites one small part.
 * Every part carries the Gateway's addresses and all its listeners; its routes are a slice of the
 * listeners' routes in order.
 */
public final class TableParts {
  private TableParts() {}

  public static List<GatewayTable> split(GatewayTable table, int routesPerPart) {
    List<GatewayTable> parts = new ArrayList<>();
    Map<String, List<HostRoute>> current = emptyRoutes(table);
    int count = 0;
    for (ListenerTable l : table.listeners()) {
      for (HostRoute r : l.routes()) {
        current.get(l.name()).add(r);
        if (++count == routesPerPart) {
          parts.add(part(table, current));
          current = emptyRoutes(table);
          count = 0;
        }
      }
    }
    if (count > 0 || parts.isEmpty()) parts.add(part(table, current));
    return parts;
  }

  /** The parts of one Gateway, in their order, as one table. */
  public static GatewayTable merge(List<GatewayTable> parts) {
    GatewayTable first = parts.get(0);
    Map<String, List<HostRoute>> routes = emptyRoutes(first);
    for (GatewayTable p : parts) {
      for (ListenerTable l : p.listeners()) routes.computeIfAbsent(l.name(), k -> new ArrayList<>()).addAll(l.routes());
    }
    return part(first, routes);
  }

  private static Map<String, List<HostRoute>> emptyRoutes(GatewayTable table) {
    Map<String, List<HostRoute>> m = new LinkedHashMap<>();
    table.listeners().forEach(l -> m.put(l.name(), new ArrayList<>()));
    return m;
  }

  private static GatewayTable part(GatewayTable table, Map<String, List<HostRoute>> routes) {
    List<ListenerTable> listeners = new ArrayList<>();
    for (ListenerTable l : table.listeners()) {
      listeners.add(new ListenerTable(l.name(), l.protocol(), l.port(), l.bindPort(), l.hostname(), routes.getOrDefault(l.name(), List.of()),
          l.terminate()));
    }
    return new GatewayTable(table.gateway(), table.created(), table.addresses(), listeners);
  }
}
