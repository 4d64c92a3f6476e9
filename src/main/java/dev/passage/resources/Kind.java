package dev.passage.resources;

/** The kinds of object Passage reads, whatever their API version. */
public enum Kind {
  GATEWAY_CLASS("GatewayClass", false),
  GATEWAY("Gateway", true),
  TLS_ROUTE("TLSRoute", true),
  HTTP_ROUTE("HTTPRoute", true),
  REFERENCE_GRANT("ReferenceGrant", true),
  SERVICE("Service", true),
  SECRET("Secret", true),
  CONFIG_MAP("ConfigMap", true),
  ENDPOINT_SLICE("EndpointSlice", true),
  NAMESPACE("Namespace", false);

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
}
