package dev.passage.resources;

public record GroupKind(String group, String kind) {
  public static final String GATEWAY_GROUP = "gateway.networking.k8s.io";
  public static final GroupKind TLS_ROUTE = new GroupKind(GATEWAY_GROUP, "TLSRoute");
  public static final GroupKind TCP_ROUTE = new GroupKind(GATEWAY_GROUP, "TCPRoute");
  public static final GroupKind UDP_ROUTE = new GroupKind(GATEWAY_GROUP, "UDPRoute");

  public GroupKind {
    group = group == null ? GATEWAY_GROUP : group;
  }
}
