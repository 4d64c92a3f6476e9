package dev.passage.resources;

import java.util.List;

/** serviceName comes from the label kubernetes.io/service-name. */
public record EndpointSliceView(Meta meta, String serviceName, List<Port> ports,
                                List<Endpoint> endpoints) implements Resource {
  @Override
  public Resource withMeta(Meta other) {
    return new EndpointSliceView(other, serviceName, ports, endpoints);
  }

  public EndpointSliceView {
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
  }

  @Override
  public Kind kind() {
    return Kind.ENDPOINT_SLICE;
  }

  public record Port(String name, int port, String protocol) {
    public Port {
      name = name == null ? "" : name;
      protocol = protocol == null ? "TCP" : protocol;
    }
  }

  /** ready is false only when conditions.ready is explicitly false (unset means ready). */
  public record Endpoint(List<String> addresses, boolean ready) {
    public Endpoint {
      addresses = List.copyOf(addresses);
    }
  }
}
