package dev.passage.table;

/** The outcome of looking up an SNI: forward along a route, or reject with a reason for the log. */
public sealed interface Decision {
  /** terminate: null to pass the TLS bytes through; else the listener terminates TLS with these certificates. */
  record Forward(String gateway, String listener, HostRoute route, ListenerTable.Termination terminate,
                 ConnectionPolicy listenerPolicy) implements Decision {
    public Forward(String gateway, String listener, HostRoute route, ListenerTable.Termination terminate) {
      this(gateway, listener, route, terminate, null);
    }

    /** The route's TrafficPolicy over its listener's, field by field (null: none). */
    public ConnectionPolicy policy() {
      return ConnectionPolicy.merge(route.policy(), listenerPolicy);
    }
  }

  /** An HTTPS listener: terminate TLS with these certificates, then serve HTTP (routes are chosen per request). */
  record ServeHttps(String gateway, String listener, ListenerTable.Termination terminate, ConnectionPolicy policy)
      implements Decision {}

  record Reject(String reason) implements Decision {}
}
