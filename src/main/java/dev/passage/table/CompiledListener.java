package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.util.Collection;
import java.util.List;

/**
 * One served listener of one Gateway as the data plane looks it up: the Gateway's entry, the
 * listener, the routes claiming each hostname, and for an HTTP or HTTPS listener its HTTPRoute
 * rules compiled per hostname. Immutable; {@link #replace} makes the next one for a route change.
 */
final class CompiledListener {
  /** A listener's identity across table versions. */
  record Id(NamespacedName gateway, String listener) {}

  final Id id;
  final GatewayEntry gateway;
  final GatewayEntry.Listener listener;
  final String gatewayName;
  final ListenerRoutes routes;
  final HttpRoutes http; // null for a TLS listener

  private CompiledListener(GatewayEntry gateway, GatewayEntry.Listener listener, ListenerRoutes routes, HttpRoutes http) {
    this.id = new Id(gateway.gateway(), listener.name());
    this.gateway = gateway;
    this.listener = listener;
    this.gatewayName = gateway.gateway().toString();
    this.routes = routes;
    this.http = http;
  }

  static CompiledListener empty(GatewayEntry gateway, GatewayEntry.Listener listener) {
    return new CompiledListener(gateway, listener, ListenerRoutes.EMPTY, listener.servesHttp() ? HttpRoutes.EMPTY : null);
  }

  /** This listener with one route's claims replaced (before: the hostnames it claimed here). */
  CompiledListener replace(NamespacedName route, Collection<String> before, List<HostRoute> after) {
    ListenerRoutes.Replaced r = routes.replace(route, before, after);
    return new CompiledListener(gateway, listener, r.routes(), http == null ? null : http.updated(r.routes(), r.hostnames()));
  }

  boolean tls() {
    return listener.tls();
  }

  /** A TCP or UDP listener: its port goes to its route as a whole. */
  boolean wholePort() {
    return listener.tcp() || listener.udp();
  }
}
