package dev.passage.table;

/** The outcome of looking up an SNI: forward along a route, or reject with a reason for the log. */
public sealed interface Decision {
  /** terminate: null to pass the TLS bytes through; else the listener terminates TLS with these certificates. */
  record Forward(String gateway, String listener, HostRoute route, ListenerTable.Termination terminate) implements Decision {}

  /** An HTTPS listener: terminate TLS with these certificates, then serve HTTP (routes are chosen per request). */
  record ServeHttps(String gateway, String listener, ListenerTable.Termination terminate) implements Decision {}

  record Reject(String reason) implements Decision {}
}
