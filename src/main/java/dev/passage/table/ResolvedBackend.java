package dev.passage.table;

/**
 * A backendRef after resolution: the Service port its connections go to (service, whose ready
 * endpoints the route table holds apart, by {@link BackendKey}), or why it cannot be used. A
 * backend with a failure reason (BackendNotFound, InvalidKind, RefNotPermitted) keeps its weight,
 * so its share of connections is rejected; a valid backend with no ready endpoints rejects its
 * share too.
 */
public record ResolvedBackend(String name, int weight, BackendKey service, String failureReason, String failureMessage) {
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
