package dev.passage.table;

import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.table.ResolvedBackend;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one route brings to one Gateway's table: for each listener it attached to, the hostnames
 * it serves there; a TLSRoute's weighted backends, or an HTTPRoute's compiled rules (each with its
 * own backends). One replicated entry per (Gateway, route): a route change rewrites its entries
 * alone. created orders routes of equal precedence (the older wins a hostname). policy: the route's
 * own TrafficPolicy (limits, drain), null when none.
 */
public record RouteEntry(NamespacedName gateway, ObjectKey route, Instant created,
                         Map<String, List<String>> hostnamesByListener, List<ResolvedBackend> backends,
                         List<HttpRouteRule> httpRules, @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) ConnectionPolicy policy) implements Replicated {
  public RouteEntry(NamespacedName gateway, ObjectKey route, Instant created, Map<String, List<String>> hostnamesByListener,
                    List<ResolvedBackend> backends, List<HttpRouteRule> httpRules) {
    this(gateway, route, created, hostnamesByListener, backends, httpRules, null);
  }

  public RouteEntry {
    // by listener name: the same entry serializes to the same bytes on every node, whose digests
    // Distributed Data's gossip compares (Map.copyOf's order differs from one JVM to the next)
    java.util.TreeMap<String, List<String>> sorted = new java.util.TreeMap<>();
    hostnamesByListener.forEach((l, hosts) -> sorted.put(l, List.copyOf(hosts)));
    hostnamesByListener = java.util.Collections.unmodifiableSortedMap(sorted);
    backends = List.copyOf(backends);
    httpRules = List.copyOf(httpRules);
  }
}
