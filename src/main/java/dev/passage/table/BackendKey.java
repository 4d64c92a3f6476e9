package dev.passage.table;

/**
 * A Service port a backendRef names: where its endpoints are looked up. Routes carry these keys;
 * the endpoints themselves travel apart, one entry per Service port, so that pods coming and
 * going touch that entry alone and never the routes that use the Service. udp: the Service's UDP
 * port of that number (a UDPRoute's backends; a Service may have a TCP and a UDP port 53).
 */
public record BackendKey(String namespace, String service, int port,
                         @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_DEFAULT)
                         boolean udp) implements Comparable<BackendKey> {
  /** A TCP port. */
  public BackendKey(String namespace, String service, int port) {
    this(namespace, service, port, false);
  }

  /** The Service port's protocol as Kubernetes spells it. */
  public String protocol() {
    return udp ? "UDP" : "TCP";
  }

  @Override
  public int compareTo(BackendKey o) {
    int c = namespace.compareTo(o.namespace);
    if (c != 0) return c;
    c = service.compareTo(o.service);
    if (c != 0) return c;
    c = Integer.compare(port, o.port);
    return c != 0 ? c : Boolean.compare(udp, o.udp);
  }

  @Override
  public String toString() {
    return namespace + "/" + service + ":" + port + (udp ? "/udp" : "");
  }
}
