package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The immutable data-plane table: every served Gateway's table, and the listeners per bind
 * address compiled for lookup. A new table is built for every change; the data plane reads the
 * current one through a single reference.
 */
public final class RouteTable {
  public static final RouteTable EMPTY = new RouteTable(Map.of());

  private final Map<NamespacedName, GatewayTable> gateways;
  private final Map<BindAddress, PortTable> ports;

  private RouteTable(Map<NamespacedName, GatewayTable> gateways) {
    this.gateways = Collections.unmodifiableMap(new TreeMap<>(gateways));
    Map<BindAddress, List<PortTable.Entry>> entries = new TreeMap<>();
    for (GatewayTable g : this.gateways.values()) {
      for (String address : g.addresses()) {
        for (ListenerTable l : g.listeners()) {
          entries.computeIfAbsent(new BindAddress(address, l.bindPort()), k -> new ArrayList<>())
              .add(new PortTable.Entry(g, l));
        }
      }
    }
    Map<BindAddress, PortTable> compiled = new TreeMap<>();
    entries.forEach((k, v) -> compiled.put(k, new PortTable(v)));
    this.ports = Collections.unmodifiableMap(compiled);
  }

  public static RouteTable of(Map<NamespacedName, GatewayTable> gateways) {
    return new RouteTable(gateways);
  }

  public Map<NamespacedName, GatewayTable> gateways() {
    return gateways;
  }

  public Set<BindAddress> bindAddresses() {
    return ports.keySet();
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
  public java.util.Optional<HttpListener> httpListener(BindAddress address, String name, boolean tls) {
    PortTable port = ports.get(address);
    return port == null ? java.util.Optional.empty() : port.httpListener(name, tls);
  }

  /** The decision for a connection accepted on this address whose ClientHello named sni. */
  public Decision lookup(BindAddress address, String sni) {
    PortTable port = ports.get(address);
    if (port == null) return new Decision.Reject("no listener on " + address);
    return port.lookup(sni);
  }
}
