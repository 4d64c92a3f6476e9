package dev.passage.resources;

import java.util.List;

/**
 * A Gateway: its class, listeners and requested addresses (spec.addresses values).
 * infrastructureParametersRef describes spec.infrastructure.parametersRef when set, else null;
 * frontend is spec.tls.frontend (client-certificate validation), {@link Frontend#NONE} when unset;
 * backendClientCertificate is spec.tls.backend.clientCertificateRef (the certificate Passage
 * presents to backends it opens TLS to), null when unset; allowedListeners is
 * spec.allowedListeners (which ListenerSets may add listeners; none when unset).
 */
public record GatewayView(Meta meta, String gatewayClassName, List<Listener> listeners,
                          List<String> addresses, String infrastructureParametersRef, Frontend frontend,
                          SecretRef backendClientCertificate, AllowedListeners allowedListeners) implements Resource {
  public GatewayView(Meta meta, String gatewayClassName, List<Listener> listeners, List<String> addresses,
                     String infrastructureParametersRef, Frontend frontend, SecretRef backendClientCertificate) {
    this(meta, gatewayClassName, listeners, addresses, infrastructureParametersRef, frontend, backendClientCertificate,
        AllowedListeners.NONE);
  }

  public GatewayView(Meta meta, String gatewayClassName, List<Listener> listeners, List<String> addresses,
                     String infrastructureParametersRef, Frontend frontend) {
    this(meta, gatewayClassName, listeners, addresses, infrastructureParametersRef, frontend, null);
  }

  public GatewayView(Meta meta, String gatewayClassName, List<Listener> listeners, List<String> addresses,
                     String infrastructureParametersRef) {
    this(meta, gatewayClassName, listeners, addresses, infrastructureParametersRef, Frontend.NONE);
  }

  @Override
  public Resource withMeta(Meta other) {
    return new GatewayView(other, gatewayClassName, listeners, addresses, infrastructureParametersRef, frontend,
        backendClientCertificate, allowedListeners);
  }

  public GatewayView {
    listeners = List.copyOf(listeners);
    addresses = List.copyOf(addresses);
    frontend = frontend == null ? Frontend.NONE : frontend;
    allowedListeners = allowedListeners == null ? AllowedListeners.NONE : allowedListeners;
  }

  /**
   * spec.allowedListeners.namespaces: from None (the default: no ListenerSet), Same (the
   * Gateway's namespace), All, or Selector (namespaces whose labels the selector matches).
   */
  public record AllowedListeners(String from, LabelSelector selector) {
    public static final AllowedListeners NONE = new AllowedListeners("None", null);

    public AllowedListeners {
      from = from == null || from.isBlank() ? "None" : from;
    }
  }

  /**
   * spec.tls.frontend: the validation of client certificates for every terminating listener
   * (defaults), and for the listeners of some ports instead (perPort). null: none.
   */
  public record Frontend(Validation defaults, java.util.Map<Integer, Validation> perPort) {
    public static final Frontend NONE = new Frontend(null, java.util.Map.of());

    public Frontend {
      perPort = perPort == null ? java.util.Map.of() : java.util.Map.copyOf(perPort);
    }

    /** The validation of the listeners on this port: perPort's, else the default; null for none. */
    public Validation forPort(int port) {
      return perPort.getOrDefault(port, defaults);
    }

    /** Whether any validation, default or per port, lets clients without a valid certificate through. */
    public boolean anyInsecureFallback() {
      return defaults != null && defaults.insecureFallback() || perPort.values().stream().anyMatch(Validation::insecureFallback);
    }
  }

  /** validation: CA references (ConfigMaps holding ca.crt) and mode (AllowValidOnly when unset). */
  public record Validation(List<SecretRef> caCertificateRefs, String mode) {
    public static final String ALLOW_VALID_ONLY = "AllowValidOnly";
    public static final String ALLOW_INSECURE_FALLBACK = "AllowInsecureFallback";

    public Validation {
      caCertificateRefs = caCertificateRefs == null ? List.of() : List.copyOf(caCertificateRefs);
      mode = mode == null || mode.isBlank() ? ALLOW_VALID_ONLY : mode;
    }

    public boolean insecureFallback() {
      return ALLOW_INSECURE_FALLBACK.equals(mode);
    }
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

  /** A reference to an object by group, kind, namespace (null: the Gateway's) and name (a Secret, a ConfigMap). */
  public record SecretRef(String group, String kind, String namespace, String name) {}
}
