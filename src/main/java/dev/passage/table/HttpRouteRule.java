package dev.passage.table;

import dev.passage.table.HttpMatching;
import dev.passage.table.ResolvedBackend;
import java.util.List;

/**
 * One valid rule of an HTTPRoute, ready to serve: its matches (never empty: the API's default is
 * PathPrefix "/"), its filters, its weighted backends with their own filters, and its timeouts in
 * milliseconds (0: none). index is the rule's place in the route, which breaks ties.
 */
public record HttpRouteRule(int index, List<HttpMatching.Match> matches, HttpFilters filters,
                            List<HttpBackend> backends, long requestTimeoutMillis, long backendTimeoutMillis) {
  public HttpRouteRule {
    matches = List.copyOf(matches);
    backends = List.copyOf(backends);
  }

  /** A backendRef of a rule: where its share of requests goes, and the filters applied to them. */
  public record HttpBackend(ResolvedBackend backend, HttpFilters filters) {}

  public List<ResolvedBackend> resolvedBackends() {
    return backends.stream().map(HttpBackend::backend).toList();
  }
}
