package dev.passage.resources;

import java.util.List;
import java.util.Map;

/**
 * A Service: its ports, and what Kubernetes mode needs of the Services Passage creates for
 * Gateways (selector, clusterIP, externalIPs, load-balancer ingress addresses).
 */
public record ServiceView(Meta meta, String type, List<Port> ports, Map<String, String> selector, String clusterIp,
                          List<String> externalIps, List<String> loadBalancerIngress) implements Resource {
  @Override
  public Resource withMeta(Meta other) {
    return new ServiceView(other, type, ports, selector, clusterIp, externalIps, loadBalancerIngress);
  }

  public ServiceView(Meta meta, String type, List<Port> ports) {
    this(meta, type, ports, Map.of(), null, List.of(), List.of());
  }

  public ServiceView {
    ports = List.copyOf(ports);
    selector = Map.copyOf(selector);
    externalIps = List.copyOf(externalIps);
    loadBalancerIngress = List.copyOf(loadBalancerIngress);
  }

  @Override
  public Kind kind() {
    return Kind.SERVICE;
  }

  /** targetPort is either a number (targetPortNumber) or a container port name (targetPortName). */
  public record Port(String name, int port, String protocol, Integer targetPortNumber,
                     String targetPortName) {
    public Port {
      name = name == null ? "" : name;
      protocol = protocol == null ? "TCP" : protocol;
    }
  }
}
