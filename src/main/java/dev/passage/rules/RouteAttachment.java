package dev.passage.rules;

import dev.passage.table.Hostnames;
import dev.passage.table.ResolvedBackend;
import dev.passage.resources.ObjectKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a route brings to one Gateway: for each listener it attached to, the hostnames it serves
 * there (already intersected with the listener's; {@link Hostnames#ANY} for every name), and
 * for a TLSRoute its resolved backends, for an HTTPRoute its valid rules compiled (each with its
 * own backends; backends is then empty). policy: a TLSRoute's or TCPRoute's own TrafficPolicy, or null.
 */
public record RouteAttachment(ObjectKey route, Instant created, Map<String, List<String>> hostnamesByListener,
                              List<ResolvedBackend> backends, List<dev.passage.table.HttpRouteRule> httpRules,
                              dev.passage.table.ConnectionPolicy policy) {
  public RouteAttachment {
    hostnamesByListener = Map.copyOf(hostnamesByListener);
    backends = List.copyOf(backends);
    httpRules = List.copyOf(httpRules);
  }

  /** This attachment as the route table's entry for the Gateway it attached to. */
  public dev.passage.table.RouteEntry entry(dev.passage.resources.NamespacedName gateway) {
    return new dev.passage.table.RouteEntry(gateway, route, created, hostnamesByListener, backends, httpRules, policy);
  }
}
