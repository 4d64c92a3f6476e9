package dev.passage.table;

import dev.passage.table.BackendKey;
import dev.passage.table.BackendTls;
import dev.passage.table.ResolvedBackend;
import java.util.List;

/**
 * How to reach one Service port that some route names: its ready endpoints, and the TLS Passage
 * opens to them when a BackendTLSPolicy covers the port (null: plain TCP), and what TrafficPolicies
 * targeting its Service ask of connections to it (null: nothing). One replicated entry each.
 */
public record EndpointsEntry(BackendKey backend, List<ResolvedBackend.Endpoint> endpoints, BackendTls tls,
                             @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) BackendPolicy policy)
    implements Replicated {
  public EndpointsEntry {
    endpoints = List.copyOf(endpoints);
  }

  public EndpointsEntry(BackendKey backend, List<ResolvedBackend.Endpoint> endpoints) {
    this(backend, endpoints, null, null);
  }

  public EndpointsEntry(BackendKey backend, List<ResolvedBackend.Endpoint> endpoints, BackendTls tls) {
    this(backend, endpoints, tls, null);
  }
}
