package dev.passage.rules;

import java.util.List;

/**
 * A backendRef after resolution: where its connections may go. A backend with a failure reason
 * (BackendNotFound, InvalidKind, RefNotPermitted) keeps its weight, so its share of connections
 * is rejected; a valid backend with no ready endpoints rejects its share too.
 */
public record ResolvedBackend(String name, int weight, List<Endpoint> endpoints, String failureReason,
                              String failureMessage) {
  public ResolvedBackend {
    endpoints = List.copyOf(endpoints);
  }

  public boolean valid() {
    return failureReason == null;
  }

  public record Endpoint(String host, int port) {
    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }
}
