package dev.passage.table;

import dev.passage.resources.NamespacedName;
import dev.passage.table.ResolvedBackend;
import java.time.Instant;
import java.util.List;

/**
 * One hostname a listener serves ("" for every name) and a route serving it. A TLS listener keeps
 * one route per hostname (the first claims it) and sends its connections to backends; an HTTP or
 * HTTPS listener keeps every route attached for the hostname, and its requests pick among the
 * routes' rules (httpRules, empty for a TLSRoute; backends is then empty, each rule holding its
 * own). created orders routes of equal precedence. policy: the route's own TrafficPolicy (null: none).
 */
public record HostRoute(String hostname, NamespacedName route, List<ResolvedBackend> backends, Instant created,
                        List<HttpRouteRule> httpRules, @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) ConnectionPolicy policy) {
  public HostRoute(String hostname, NamespacedName route, List<ResolvedBackend> backends, Instant created,
                   List<HttpRouteRule> httpRules) {
    this(hostname, route, backends, created, httpRules, null);
  }

  public HostRoute {
    backends = List.copyOf(backends);
    httpRules = List.copyOf(httpRules);
  }

  public HostRoute(String hostname, NamespacedName route, List<ResolvedBackend> backends) {
    this(hostname, route, backends, Instant.EPOCH, List.of());
  }
}
