package dev.passage.resources;

import java.util.List;

public record ServiceView(Meta meta, String type, List<Port> ports) implements Resource {
  public ServiceView {
    ports = List.copyOf(ports);
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
