package dev.passage.table;

import dev.passage.collections.PersistentMap;
import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.table.BackendKey;
import dev.passage.table.BackendTls;
import dev.passage.table.Hostnames;
import dev.passage.table.ResolvedBackend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The immutable data-plane table: every served Gateway's entry, the routes attached to each, the
 * ready endpoints of every Service port they name, and the listeners per bind address compiled
 * for lookup. A {@link TableBuilder} makes the next table from the entries that changed, sharing
 * everything else with this one; the data plane reads the current one through a single reference.
 */
public final class RouteTable {
  public static final RouteTable EMPTY = new RouteTable(PersistentMap.empty(), PersistentMap.empty(),
      PersistentMap.empty(), PersistentMap.empty());

  private final PersistentMap<NamespacedName, GatewayEntry> gateways;
  private final PersistentMap<NamespacedName, PersistentMap<ObjectKey, RouteEntry>> routes;
  private final PersistentMap<BackendKey, EndpointsEntry> endpoints;
  private final PersistentMap<BindAddress, PortTable> ports;
  /** The per-Gateway view, made on first use (management and tests; never per connection). */
  private volatile Map<NamespacedName, GatewayTable> view;

  RouteTable(PersistentMap<NamespacedName, GatewayEntry> gateways,
             PersistentMap<NamespacedName, PersistentMap<ObjectKey, RouteEntry>> routes,
             PersistentMap<BackendKey, EndpointsEntry> endpoints,
             PersistentMap<BindAddress, PortTable> ports) {
    this.gateways = gateways;
    this.routes = routes;
    this.endpoints = endpoints;
    this.ports = ports;
  }

  /** A table made from these entries at once (the pure Reconciler, tests). */
  public static RouteTable of(Collection<? extends Replicated> entries) {
    TableBuilder b = new TableBuilder();
    entries.forEach(b::put);
    b.applyParked(); // all the entries are here: nothing is on its way
    return b.table();
  }

  /** Every served Gateway with its listeners and the routes on each, in the order precedence reads them. */
  public Map<NamespacedName, GatewayTable> gateways() {
    Map<NamespacedName, GatewayTable> v = view;
    if (v == null) view = v = java.util.Collections.unmodifiableMap(makeView());
    return v;
  }

  /** The ready endpoints of a Service port a route names (empty when it has none). */
  public List<ResolvedBackend.Endpoint> endpoints(BackendKey backend) {
    if (backend == null) return List.of();
    EndpointsEntry e = endpoints.get(backend);
    return e == null ? List.of() : e.endpoints();
  }

  /** The entry of a Service port a route names (endpoints, backend TLS, TrafficPolicy fields), or null. */
  public EndpointsEntry endpointsEntry(BackendKey backend) {
    return backend == null ? null : endpoints.get(backend);
  }

  /** The TLS Passage opens to a Service port's endpoints (a BackendTLSPolicy's), or null for plain TCP. */
  public BackendTls backendTls(BackendKey backend) {
    if (backend == null) return null;
    EndpointsEntry e = endpoints.get(backend);
    return e == null ? null : e.tls();
  }

  /** What TrafficPolicies ask of connections to a Service port (PROXY header, health, ejection), or null. */
  public BackendPolicy backendPolicy(BackendKey backend) {
    if (backend == null) return null;
    EndpointsEntry e = endpoints.get(backend);
    return e == null ? null : e.policy();
  }

  /** The TrafficPolicy fields of every Service port some policy covers, in order (management and tests). */
  public Map<BackendKey, BackendPolicy> allBackendPolicies() {
    Map<BackendKey, BackendPolicy> out = new TreeMap<>();
    endpoints.forEach((k, v) -> {
      if (v.policy() != null) out.put(k, v.policy());
    });
    return out;
  }

  /** The Secret whose certificate a Gateway presents to TLS backends ("namespace/name" as Decision names it), or null. */
  public NamespacedName backendClientCertificate(String gateway) {
    int slash = gateway.indexOf('/');
    if (slash < 0) return null;
    GatewayEntry g = gateways.get(new NamespacedName(gateway.substring(0, slash), gateway.substring(slash + 1)));
    return g == null ? null : g.backendClientCertificate();
  }

  /** Every Service port with ready endpoints, in order (management and tests). */
  public Map<BackendKey, List<ResolvedBackend.Endpoint>> allEndpoints() {
    Map<BackendKey, List<ResolvedBackend.Endpoint>> out = new TreeMap<>();
    endpoints.forEach((k, v) -> {
      if (!v.endpoints().isEmpty()) out.put(k, v.endpoints()); // a named port with none ready has an empty entry
    });
    return out;
  }

  /** The TLS of every Service port a BackendTLSPolicy covers, in order (management and tests). */
  public Map<BackendKey, BackendTls> allBackendTls() {
    Map<BackendKey, BackendTls> out = new TreeMap<>();
    endpoints.forEach((k, v) -> {
      if (v.tls() != null) out.put(k, v.tls());
    });
    return out;
  }

  /** The Secret each Gateway presents to TLS backends, for the Gateways that name one (management and tests). */
  public Map<NamespacedName, NamespacedName> backendClientCertificates() {
    Map<NamespacedName, NamespacedName> out = new TreeMap<>();
    gateways.forEach((k, g) -> {
      if (g.backendClientCertificate() != null) out.put(k, g.backendClientCertificate());
    });
    return out;
  }

  /** How many route entries the table holds (a route attached to two Gateways counts twice). */
  public int routeCount() {
    int n = 0;
    for (PersistentMap<ObjectKey, RouteEntry> m : routes.values()) n += m.size();
    return n;
  }

  /** How many routes a Gateway's table holds. */
  public int routeCount(NamespacedName gateway) {
    return routes.getOrDefault(gateway, PersistentMap.empty()).size();
  }

  /** Whether the table serves this route on this listener of this Gateway (names as metrics label them). */
  public boolean serves(String gateway, String listener, String route) {
    int slash = gateway.indexOf('/');
    int rslash = route.indexOf('/');
    if (slash < 0 || rslash < 0) return false;
    var byRoute = routes.get(new NamespacedName(gateway.substring(0, slash), gateway.substring(slash + 1)));
    if (byRoute == null) return false;
    String ns = route.substring(0, rslash);
    String name = route.substring(rslash + 1);
    for (Kind kind : new Kind[] {Kind.TLS_ROUTE, Kind.HTTP_ROUTE, Kind.TCP_ROUTE, Kind.UDP_ROUTE}) {
      RouteEntry e = byRoute.get(ObjectKey.of(kind, ns, name));
      if (e != null && e.hostnamesByListener().containsKey(listener)) return true;
    }
    return false;
  }

  public Set<BindAddress> bindAddresses() {
    return new TreeSet<>(ports.keys());
  }

  /** Whether plain HTTP listeners are bound here (a connection not starting with a TLS handshake is HTTP). */
  public boolean servesPlainHttp(BindAddress address) {
    PortTable port = ports.get(address);
    return port != null && port.servesPlainHttp();
  }

  /**
   * The HTTP listener serving a request on this address: over TLS the one the SNI chose (name is
   * the SNI), else the plain HTTP listener for its Host (name is the Host header).
   */
  public Optional<HttpListener> httpListener(BindAddress address, String name, boolean tls) {
    PortTable port = ports.get(address);
    return port == null ? Optional.empty() : port.httpListener(name, tls);
  }

  /** Whether a TCP listener is bound here (a connection is routed at accept, nothing peeked). */
  public boolean servesTcp(BindAddress address) {
    PortTable port = ports.get(address);
    return port != null && port.servesTcp();
  }

  /** The decision for a connection accepted on this address's TCP listener, or a new flow on its UDP one. */
  public Decision lookupWholePort(BindAddress address) {
    PortTable port = ports.get(address);
    if (port == null) return new Decision.Reject("no listener on " + address);
    return port.lookupWholePort();
  }

  /** The decision for a connection accepted on this address whose ClientHello named sni. */
  public Decision lookup(BindAddress address, String sni) {
    PortTable port = ports.get(address);
    if (port == null) return new Decision.Reject("no listener on " + address);
    return port.lookup(sni);
  }

  // for the builder: the next table starts from this one's parts
  PersistentMap<NamespacedName, GatewayEntry> gatewayEntries() {
    return gateways;
  }

  PersistentMap<NamespacedName, PersistentMap<ObjectKey, RouteEntry>> routeEntries() {
    return routes;
  }

  PersistentMap<BackendKey, EndpointsEntry> endpointEntries() {
    return endpoints;
  }

  PersistentMap<BindAddress, PortTable> portTables() {
    return ports;
  }

  /** A listener's routes as the view lists them: most specific hostname first, then the older route, then by name. */
  private static final Comparator<Object[]> VIEW_ORDER = Comparator
      .comparing((Object[] o) -> ((HostRoute) o[0]).hostname(), Hostnames.MOST_SPECIFIC_FIRST)
      .thenComparing(o -> ((HostRoute) o[0]).created())
      .thenComparing(o -> ((HostRoute) o[0]).route())
      .thenComparingInt(o -> (Integer) o[1]);

  private Map<NamespacedName, GatewayTable> makeView() {
    Map<NamespacedName, GatewayTable> out = new TreeMap<>();
    gateways.forEach((name, g) -> {
      List<RouteEntry> entries = routes.getOrDefault(name, PersistentMap.empty()).values();
      List<ListenerTable> listeners = new ArrayList<>();
      for (GatewayEntry.Listener l : g.listeners()) {
        List<Object[]> rows = new ArrayList<>();
        for (RouteEntry e : entries) {
          List<String> hosts = e.hostnamesByListener().get(l.name());
          if (hosts == null) continue;
          for (int i = 0; i < hosts.size(); i++) rows.add(new Object[] {TableBuilder.hostRoute(e, hosts.get(i)), i});
        }
        rows.sort(VIEW_ORDER);
        listeners.add(new ListenerTable(l.name(), l.protocol(), l.port(), l.bindPort(), l.hostname(),
            rows.stream().map(r -> (HostRoute) r[0]).toList(), l.terminate(), l.policy()));
      }
      out.put(name, new GatewayTable(g.gateway(), g.created(), g.addresses(), listeners));
    });
    return out;
  }
}
