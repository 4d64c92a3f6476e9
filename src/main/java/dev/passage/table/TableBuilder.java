package dev.passage.table;

import dev.passage.collections.PersistentMap;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.table.BackendKey;
import dev.passage.table.ResolvedBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes route tables from replicated entries, one change at a time: a route entry touches the
 * hostnames it claims on the listeners it names, an endpoints entry its Service port, a Gateway
 * entry that Gateway's listeners; everything else is shared with the previous table. Not thread
 * safe: one owner (each node's {@link ReplicatedTables}, or a pure computation) puts and removes,
 * and hands out immutable {@link RouteTable}s.
 *
 * <p>Make before break. Routes and the endpoints they name live in different replicated buckets,
 * which reach a node in any order; the controller publishes an endpoints entry for every Service
 * port a route names (an empty list when none is ready) and withdraws it once no route names it.
 * So a table never routes to a port whose entry is on its way: a route entry naming a port with no
 * entry yet waits ("parked", its previous version serving) until the entry arrives, and an
 * endpoints entry withdrawn while a route here still names it stays until no route does.
 */
public final class TableBuilder {
  private PersistentMap<NamespacedName, GatewayEntry> gateways;
  private PersistentMap<NamespacedName, PersistentMap<ObjectKey, RouteEntry>> routes;
  private PersistentMap<BackendKey, EndpointsEntry> endpoints;
  private PersistentMap<CompiledListener.Id, CompiledListener> listeners = PersistentMap.empty();
  private PersistentMap<BindAddress, PortTable> ports;
  private RouteTable table;
  /** How many route entries here name each Service port (valid backends only). */
  private final Map<BackendKey, Integer> named = new java.util.HashMap<>();
  /** Ports whose entry was withdrawn while a route here still named them: removed once none does. */
  private final java.util.Set<BackendKey> lingering = new java.util.HashSet<>();
  /** Route entries waiting for the endpoints entries of ports they name, by (Gateway, route). */
  private final Map<RouteId, RouteEntry> parked = new java.util.LinkedHashMap<>();

  private record RouteId(NamespacedName gateway, ObjectKey route) {}

  public TableBuilder() {
    this.table = RouteTable.EMPTY;
    this.gateways = table.gatewayEntries();
    this.routes = table.routeEntries();
    this.endpoints = table.endpointEntries();
    this.ports = table.portTables();
  }

  /** The table holding every entry put so far. */
  public RouteTable table() {
    if (table == null) table = new RouteTable(gateways, routes, endpoints, ports);
    return table;
  }

  /** Puts an entry, replacing the one with its identity (the same Gateway; Gateway and route; Service port). */
  public void put(Replicated entry) {
    if (entry instanceof GatewayEntry g) {
      putGateway(g);
    } else if (entry instanceof RouteEntry r) {
      RouteId id = new RouteId(r.gateway(), r.route());
      java.util.Set<BackendKey> names = namedBy(r);
      if (names.stream().allMatch(endpoints::containsKey)) {
        parked.remove(id);
        putRoute(r, names);
      } else {
        parked.put(id, r); // its ports' entries are on their way; the version before keeps serving
      }
    } else if (entry instanceof EndpointsEntry e) {
      lingering.remove(e.backend());
      if (!e.equals(endpoints.get(e.backend()))) {
        endpoints = endpoints.put(e.backend(), e);
        table = null;
      }
      if (!parked.isEmpty()) unpark();
    } else {
      throw new IllegalArgumentException("not a table entry: " + entry.getClass());
    }
  }

  /** Removes the entry with this entry's identity. */
  public void remove(Replicated entry) {
    if (entry instanceof GatewayEntry g) {
      removeGateway(g.gateway());
    } else if (entry instanceof RouteEntry r) {
      parked.remove(new RouteId(r.gateway(), r.route()));
      removeRoute(r.gateway(), r.route());
    } else if (entry instanceof EndpointsEntry e) {
      if (!endpoints.containsKey(e.backend())) return;
      if (named.containsKey(e.backend())) {
        lingering.add(e.backend()); // a route here still names it: its new version is on its way
        return;
      }
      removeEndpoints(e.backend());
    } else {
      throw new IllegalArgumentException("not a table entry: " + entry.getClass());
    }
  }

  /** How many route entries wait for endpoints entries (normally none, or for a moment). */
  public int parkedCount() {
    return parked.size();
  }

  /**
   * Applies every parked route entry as it is: for when an endpoints entry it waits for does not
   * come (a writer that does not keep the rule above); its connections are refused meanwhile.
   */
  public void applyParked() {
    List<RouteEntry> all = new ArrayList<>(parked.values());
    parked.clear();
    all.forEach(r -> putRoute(r, namedBy(r)));
  }

  /** Applies the parked route entries whose ports all have entries now. */
  private void unpark() {
    for (var it = parked.values().iterator(); it.hasNext(); ) {
      RouteEntry r = it.next();
      java.util.Set<BackendKey> names = namedBy(r);
      if (names.stream().allMatch(endpoints::containsKey)) {
        it.remove();
        putRoute(r, names);
      }
    }
  }

  private void removeEndpoints(BackendKey key) {
    endpoints = endpoints.remove(key);
    table = null;
  }

  /** The Service ports a route entry sends connections or requests to. */
  static java.util.Set<BackendKey> namedBy(RouteEntry r) {
    java.util.Set<BackendKey> out = new java.util.HashSet<>();
    for (ResolvedBackend b : r.backends()) if (b.valid() && b.service() != null) out.add(b.service());
    for (HttpRouteRule rule : r.httpRules()) {
      for (ResolvedBackend b : rule.resolvedBackends()) if (b.valid() && b.service() != null) out.add(b.service());
    }
    return out;
  }

  /** Counts what a route entry names now (its ports) instead of what its previous version named. */
  private void renamed(RouteEntry before, java.util.Set<BackendKey> now) {
    java.util.Set<BackendKey> was = before == null ? java.util.Set.of() : namedBy(before);
    for (BackendKey k : now) if (!was.contains(k)) named.merge(k, 1, Integer::sum);
    for (BackendKey k : was) {
      if (now.contains(k)) continue;
      if (named.merge(k, -1, Integer::sum) <= 0) {
        named.remove(k);
        if (lingering.remove(k)) removeEndpoints(k);
      }
    }
  }

  private void putGateway(GatewayEntry g) {
    if (g.equals(gateways.get(g.gateway()))) return;
    removeGateway(g.gateway());
    gateways = gateways.put(g.gateway(), g);
    List<RouteEntry> attached = routes.getOrDefault(g.gateway(), PersistentMap.empty()).values();
    for (GatewayEntry.Listener l : g.listeners()) {
      CompiledListener c = CompiledListener.empty(g, l);
      for (RouteEntry r : attached) {
        List<String> hosts = r.hostnamesByListener().get(l.name());
        if (hosts != null) c = c.replace(r.route().ref(), List.of(), hostRoutes(r, hosts));
      }
      listeners = listeners.put(c.id, c);
      for (String address : g.addresses()) {
        BindAddress at = new BindAddress(address, l.bindPort(), l.udp());
        PortTable port = ports.get(at);
        ports = ports.put(at, port == null ? PortTable.of(List.of(c)) : port.with(c));
      }
    }
    table = null;
  }

  private void removeGateway(NamespacedName gateway) {
    GatewayEntry old = gateways.get(gateway);
    if (old == null) return;
    for (GatewayEntry.Listener l : old.listeners()) {
      CompiledListener.Id id = new CompiledListener.Id(gateway, l.name());
      listeners = listeners.remove(id);
      for (String address : old.addresses()) {
        BindAddress at = new BindAddress(address, l.bindPort(), l.udp());
        PortTable port = ports.get(at);
        if (port != null) ports = ports.with(at, port.without(id));
      }
    }
    gateways = gateways.remove(gateway);
    table = null;
  }

  /** names: the ports r names (namedBy(r), which the caller has). */
  private void putRoute(RouteEntry r, java.util.Set<BackendKey> names) {
    PersistentMap<ObjectKey, RouteEntry> byRoute = routes.getOrDefault(r.gateway(), PersistentMap.empty());
    RouteEntry old = byRoute.get(r.route());
    if (r.equals(old)) return;
    routes = routes.put(r.gateway(), byRoute.put(r.route(), r));
    relist(r.gateway(), r.route(), old, r);
    renamed(old, names);
  }

  private void removeRoute(NamespacedName gateway, ObjectKey route) {
    PersistentMap<ObjectKey, RouteEntry> byRoute = routes.getOrDefault(gateway, PersistentMap.empty());
    RouteEntry old = byRoute.get(route);
    if (old == null) return;
    PersistentMap<ObjectKey, RouteEntry> rest = byRoute.remove(route);
    routes = rest.isEmpty() ? routes.remove(gateway) : routes.put(gateway, rest);
    relist(gateway, route, old, null);
    renamed(old, java.util.Set.of());
  }

  /** Replaces one route's claims on the listeners of its Gateway that either entry names. */
  private void relist(NamespacedName gateway, ObjectKey route, RouteEntry before, RouteEntry after) {
    table = null;
    GatewayEntry g = gateways.get(gateway);
    if (g == null) return; // its Gateway's entry has not arrived: the routes wait for it
    for (GatewayEntry.Listener l : g.listeners()) {
      List<String> was = before == null ? null : before.hostnamesByListener().get(l.name());
      List<String> now = after == null ? null : after.hostnamesByListener().get(l.name());
      if (was == null && now == null) continue;
      CompiledListener.Id id = new CompiledListener.Id(gateway, l.name());
      CompiledListener c = listeners.get(id).replace(route.ref(), was == null ? List.of() : was,
          now == null ? List.of() : hostRoutes(after, now));
      listeners = listeners.put(id, c);
      for (String address : g.addresses()) {
        BindAddress at = new BindAddress(address, l.bindPort(), l.udp());
        ports = ports.put(at, ports.get(at).with(c));
      }
    }
  }

  private static List<HostRoute> hostRoutes(RouteEntry r, List<String> hosts) {
    List<HostRoute> out = new ArrayList<>(hosts.size());
    for (String h : hosts) out.add(hostRoute(r, h));
    return out;
  }

  static HostRoute hostRoute(RouteEntry r, String hostname) {
    return new HostRoute(hostname, r.route().ref(), r.backends(), r.created(), r.httpRules(), r.policy());
  }

  /** The entries of a table, for a test or a full comparison: Gateways, routes, endpoints. */
  public static List<Replicated> entries(RouteTable table) {
    List<Replicated> out = new ArrayList<>(table.gatewayEntries().values());
    for (PersistentMap<ObjectKey, RouteEntry> m : table.routeEntries().values()) out.addAll(m.values());
    for (Map.Entry<BackendKey, EndpointsEntry> e : table.endpointEntries()) out.add(e.getValue());
    return out;
  }
}
