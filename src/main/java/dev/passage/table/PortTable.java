package dev.passage.table;

import dev.passage.table.Hostnames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The listeners bound on one address and port, compiled for lookup. The SNI picks the listener
 * (exact, then the longest wildcard, then the catch-all; ties to the older Gateway), then the
 * listener picks the route. There is no fall-back to a less specific listener. TLS and HTTPS
 * listeners are chosen by SNI; plain HTTP listeners (which cannot share a port with them in one
 * Gateway) by each request's Host. A TCP listener takes the whole port: its connections go to its
 * route at accept, nothing peeked (of several, across Gateways on one address, the older Gateway's).
 * Immutable: a changed listener makes a new PortTable that shares the others.
 */
final class PortTable {
  private static final Comparator<CompiledListener> ORDER = Comparator
      .comparing((CompiledListener c) -> c.listener.hostname(), Hostnames.MOST_SPECIFIC_FIRST)
      .thenComparing(c -> c.gateway.created())
      .thenComparing(c -> c.gateway.gateway());

  private final List<CompiledListener> listeners;
  private final boolean plainHttp;
  private final CompiledListener wholePort; // the TCP or UDP listener this port serves, or null

  private PortTable(List<CompiledListener> listeners) {
    this.listeners = listeners;
    this.plainHttp = listeners.stream().anyMatch(c -> !c.tls() && c.http != null);
    this.wholePort = listeners.stream().filter(CompiledListener::wholePort).findFirst().orElse(null);
  }

  boolean servesTcp() {
    return wholePort != null;
  }

  /**
   * The decision for a connection to this port's TCP listener, or a flow on its UDP one (a UDP
   * address holds only UDP listeners): its route (the oldest attached), or a refusal.
   */
  Decision lookupWholePort() {
    if (wholePort == null) return new Decision.Reject("no TCP or UDP listener");
    List<HostRoute> claims = wholePort.routes.claims(Hostnames.ANY); // best (oldest) first
    HostRoute r = claims.isEmpty() ? null : claims.get(0);
    if (r == null) return new Decision.Reject("no route on listener " + wholePort.gatewayName + "/" + wholePort.listener.name());
    return new Decision.Forward(wholePort.gatewayName, wholePort.listener.name(), r, null, wholePort.listener.policy());
  }

  static PortTable of(List<CompiledListener> listeners) {
    List<CompiledListener> sorted = new ArrayList<>(listeners);
    sorted.sort(ORDER);
    return new PortTable(List.copyOf(sorted));
  }

  /** This port with one listener put in (replacing the one with its id), or null when nothing is left. */
  PortTable with(CompiledListener listener) {
    List<CompiledListener> next = new ArrayList<>(listeners.size() + 1);
    boolean replaced = false;
    for (CompiledListener c : listeners) {
      if (c.id.equals(listener.id)) {
        next.add(listener); // same hostname and Gateway: same place in the order
        replaced = true;
      } else {
        next.add(c);
      }
    }
    if (!replaced) return of(append(next, listener));
    return new PortTable(List.copyOf(next));
  }

  /** This port without a listener, or null when it was the last. */
  PortTable without(CompiledListener.Id id) {
    List<CompiledListener> next = new ArrayList<>(listeners);
    next.removeIf(c -> c.id.equals(id));
    return next.isEmpty() ? null : new PortTable(List.copyOf(next));
  }

  private static List<CompiledListener> append(List<CompiledListener> list, CompiledListener c) {
    list.add(c);
    return list;
  }

  boolean servesPlainHttp() {
    return plainHttp;
  }

  /** The HTTP listener for a request: by SNI over TLS (an HTTPS listener), else by its Host. */
  java.util.Optional<HttpListener> httpListener(String name, boolean tls) {
    String host = tls ? name : HttpRoutes.hostWithoutPort(name);
    for (CompiledListener c : listeners) {
      if (c.tls() == tls && Hostnames.matches(c.listener.hostname(), host)) {
        return c.http == null ? java.util.Optional.empty()
            : java.util.Optional.of(new HttpListener(c.gatewayName, c.listener.name(), c.listener.port(), tls, c.http));
      }
    }
    return java.util.Optional.empty();
  }

  Decision lookup(String sni) {
    for (CompiledListener c : listeners) {
      if (c.tls() && Hostnames.matches(c.listener.hostname(), sni)) {
        if (c.http != null) {
          return new Decision.ServeHttps(c.gatewayName, c.listener.name(), c.listener.terminate(), c.listener.policy());
        }
        HostRoute r = c.routes.best(sni);
        if (r == null) return new Decision.Reject("no route on listener " + c.gatewayName + "/" + c.listener.name());
        return new Decision.Forward(c.gatewayName, c.listener.name(), r, c.listener.terminate(), c.listener.policy());
      }
    }
    return new Decision.Reject("no listener matches");
  }
}
