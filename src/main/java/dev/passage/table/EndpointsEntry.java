package dev.passage.table;

import dev.passage.rules.BackendKey;
import dev.passage.rules.BackendTls;
import dev.passage.rules.ResolvedBackend;
import java.util.List;

/**
 * How to reach one Service port that some route names: its ready endpoints, and the TLS Passage
 * opens to them when a BackendTLSPolicy covers the port (null: plain TCP). One replicated entry each.
 */
public record EndpointsEntry(BackendKey backend, List<ResolvedBackend.Endpoint> endpoints, BackendTls tls)
    implements Replicated {
  public EndpointsEntry {
    endpoints = List.copyOf(endpoints);
  }

  public EndpointsEntry(BackendKey backend, List<ResolvedBackend.Endpoint> endpoints) {
    this(backend, endpoints, null);
  }
}
