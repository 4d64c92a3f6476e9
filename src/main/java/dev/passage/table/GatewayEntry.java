package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.time.Instant;
import java.util.List;

/**
 * A Gateway's part of the route table without its routes: the addresses to bind
 * ({@link GatewayTable#ANY_NODE} for "this node's bind address", as in Kubernetes mode, where
 * every pod serves every Gateway) and its served listeners. One replicated entry per Gateway; its
 * routes are entries of their own ({@link RouteEntry}), so a route change never rewrites this.
 * backendClientCertificate names the Secret whose certificate Passage presents to the backends it
 * opens TLS to for this Gateway (spec.tls.backend.clientCertificateRef; null: none).
 */
public record GatewayEntry(NamespacedName gateway, Instant created, List<String> addresses, List<Listener> listeners,
                           NamespacedName backendClientCertificate) implements Replicated {
  public GatewayEntry(NamespacedName gateway, Instant created, List<String> addresses, List<Listener> listeners) {
    this(gateway, created, addresses, listeners, null);
  }

  public GatewayEntry {
    addresses = List.copyOf(addresses);
    listeners = List.copyOf(listeners);
  }

  /**
   * One served listener: protocol TLS, HTTPS, HTTP or TCP; hostname "" when it has none; port the
   * listener's, bindPort the one the data plane binds for it; terminate null for a Passthrough
   * listener and for HTTP, else the Secrets of its certificates (names only: each node reads the
   * keys itself). policy: the TrafficPolicy connection limits of the listener over its Gateway's (null: none).
   */
  public record Listener(String name, String protocol, int port, int bindPort, String hostname,
                         ListenerTable.Termination terminate, @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) ConnectionPolicy policy) {
    public Listener(String name, String protocol, int port, int bindPort, String hostname, ListenerTable.Termination terminate) {
      this(name, protocol, port, bindPort, hostname, terminate, null);
    }

    /** Whether the connection starts with a TLS handshake (TLS and HTTPS listeners share ports). */
    public boolean tls() {
      return ListenerTable.TLS.equals(protocol) || ListenerTable.HTTPS.equals(protocol);
    }

    public boolean servesHttp() {
      return ListenerTable.HTTP.equals(protocol) || ListenerTable.HTTPS.equals(protocol);
    }

    /** A TCP listener: its port's connections go to its route at once, nothing peeked. */
    public boolean tcp() {
      return ListenerTable.TCP.equals(protocol);
    }

    /** A UDP listener: its port's datagrams go to its route, per flow. */
    public boolean udp() {
      return ListenerTable.UDP.equals(protocol);
    }
  }
}
