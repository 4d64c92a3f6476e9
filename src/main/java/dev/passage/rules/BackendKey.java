package dev.passage.rules;

/**
 * A Service port a backendRef names: where its endpoints are looked up. Routes carry these keys;
 * the endpoints themselves travel apart, one entry per Service port, so that pods coming and
 * going touch that entry alone and never the routes that use the Service.
 */
public record BackendKey(String namespace, String service, int port) implements Comparable<BackendKey> {
  @Override
  public int compareTo(BackendKey o) {
    int c = namespace.compareTo(o.namespace);
    if (c != 0) return c;
    c = service.compareTo(o.service);
    return c != 0 ? c : Integer.compare(port, o.port);
  }

  @Override
  public String toString() {
    return namespace + "/" + service + ":" + port;
  }
}
