package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.util.List;

/**
 * One served listener with its routes, as the table's view shows them ({@link GatewayTable}).
 * protocol is TLS, HTTPS or HTTP; hostname is "" when the listener has none. routes lists every
 * hostname claim, most specific hostname first, then the older route, then by name: a TLS listener
 * serves the first claim of each hostname, an HTTP or HTTPS one matches among them all. port is the
 * listener's port; bindPort the one the data plane binds for it (the same standalone; allocated in
 * Kubernetes mode, behind the Gateway's Service). terminate is null for a Passthrough listener and
 * for HTTP; for a Terminate TLS listener or an HTTPS one it names the Secrets of its certificates:
 * only the references travel between nodes, never the keys (each node reads the Secrets it serves
 * itself).
 */
public record ListenerTable(String name, String protocol, int port, int bindPort, String hostname, List<HostRoute> routes,
                            Termination terminate, @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) ConnectionPolicy policy) {
  public ListenerTable(String name, String protocol, int port, int bindPort, String hostname, List<HostRoute> routes,
                       Termination terminate) {
    this(name, protocol, port, bindPort, hostname, routes, terminate, null);
  }

  public static final String TLS = "TLS";
  public static final String HTTPS = "HTTPS";
  public static final String HTTP = "HTTP";
  public static final String TCP = "TCP";
  public static final String UDP = "UDP";

  public ListenerTable {
    routes = List.copyOf(routes);
  }

  /** A TLS Passthrough listener. */
  public ListenerTable(String name, int port, int bindPort, String hostname, List<HostRoute> routes) {
    this(name, TLS, port, bindPort, hostname, routes, null);
  }

  /** Whether the connection starts with a TLS handshake (TLS and HTTPS listeners share ports). */
  public boolean tls() {
    return TLS.equals(protocol) || HTTPS.equals(protocol);
  }

  public boolean servesHttp() {
    return HTTP.equals(protocol) || HTTPS.equals(protocol);
  }

  /**
   * A terminating listener's certificates (the Secrets of its certificateRefs, in order), and the
   * validation of its clients' certificates (null: none asked for).
   */
  public record Termination(List<NamespacedName> certificates, ClientValidation clientValidation) {
    public Termination {
      certificates = List.copyOf(certificates);
    }

    public Termination(List<NamespacedName> certificates) {
      this(certificates, null);
    }
  }

  /**
   * Frontend client-certificate validation (the Gateway's spec.tls.frontend): the ConfigMaps whose
   * ca.crt a client's certificate must chain to (only those the Gateway may use and that hold a CA;
   * each node reads them itself), and insecureFallback: a client without a valid certificate is
   * served too (AllowInsecureFallback), else its handshake fails (AllowValidOnly).
   */
  public record ClientValidation(List<NamespacedName> caBundles, boolean insecureFallback) {
    public ClientValidation {
      caBundles = List.copyOf(caBundles);
    }
  }
}
