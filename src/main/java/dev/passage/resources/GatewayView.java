package dev.passage.resources;

import java.util.List;

/**
 * A Gateway: its class, listeners and requested addresses (spec.addresses values).
 * infrastructureParametersRef describes spec.infrastructure.parametersRef when set, else null.
 */
public record GatewayView(Meta meta, String gatewayClassName, List<Listener> listeners,
                          List<String> addresses, String infrastructureParametersRef) implements Resource {
  @Override
  public Resource withMeta(Meta other) {
    return new GatewayView(other, gatewayClassName, listeners, addresses, infrastructureParametersRef);
  }

  public GatewayView {
    listeners = List.copyOf(listeners);
    addresses = List.copyOf(addresses);
  }

  @Override
  public Kind kind() {
    return Kind.GATEWAY;
  }

  /** hostname is null when the listener has none (it then matches every name). */
  public record Listener(String name, String hostname, int port, String protocol, String tlsMode,
                         AllowedRoutes allowedRoutes, List<SecretRef> certificateRefs) {
    public Listener {
      certificateRefs = certificateRefs == null ? List.of() : List.copyOf(certificateRefs);
    }
  }

  /** from: Same, All or Selector; kinds empty means "the kinds the protocol allows". */
  public record AllowedRoutes(String from, LabelSelector selector, List<GroupKind> kinds) {
    public static final AllowedRoutes DEFAULT = new AllowedRoutes("Same", null, List.of());

    public AllowedRoutes {
      from = from == null ? "Same" : from;
      kinds = kinds == null ? List.of() : List.copyOf(kinds);
    }
  }

  public record SecretRef(String group, String kind, String namespace, String name) {}
}
