package dev.passage.resources;

/** The kinds of object Passage reads, whatever their API version. */
public enum Kind {
  GATEWAY_CLASS("GatewayClass", false),
  GATEWAY("Gateway", true),
  LISTENER_SET("ListenerSet", true),
  TLS_ROUTE("TLSRoute", true),
  HTTP_ROUTE("HTTPRoute", true),
  TCP_ROUTE("TCPRoute", true),
  UDP_ROUTE("UDPRoute", true),
  REFERENCE_GRANT("ReferenceGrant", true),
  SERVICE("Service", true),
  SECRET("Secret", true),
  CONFIG_MAP("ConfigMap", true),
  BACKEND_TLS_POLICY("BackendTLSPolicy", true),
  ENDPOINT_SLICE("EndpointSlice", true),
  NAMESPACE("Namespace", false),
  TRAFFIC_POLICY("TrafficPolicy", true);

  private final String kindName;
  private final boolean namespaced;

  Kind(String kindName, boolean namespaced) {
    this.kindName = kindName;
    this.namespaced = namespaced;
  }

  public String kindName() {
    return kindName;
  }

  public boolean namespaced() {
    return namespaced;
  }

  /**
   * Where a status of this kind keeps one entry per controller and parent, and the field naming
   * the parent: a route's parents[] by parentRef, a policy's ancestors[] by ancestorRef; null for
   * kinds whose whole status is Passage's.
   */
  public String[] sharedStatusList() {
    return switch (this) {
      case TLS_ROUTE, HTTP_ROUTE, TCP_ROUTE, UDP_ROUTE -> new String[] {"parents", "parentRef"};
      case BACKEND_TLS_POLICY, TRAFFIC_POLICY -> new String[] {"ancestors", "ancestorRef"};
      default -> null;
    };
  }
}
