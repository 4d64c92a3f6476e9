package dev.passage.table;

import dev.passage.rules.BackendKey;
import dev.passage.rules.ResolvedBackend;
import java.util.List;

/** The ready endpoints of one Service port that some route names: one replicated entry each. */
public record EndpointsEntry(BackendKey backend, List<ResolvedBackend.Endpoint> endpoints) implements Replicated {
  public EndpointsEntry {
    endpoints = List.copyOf(endpoints);
  }
}
