package dev.passage.table;

/** The outcome of looking up an SNI: forward along a route, or reject with a reason for the log. */
public sealed interface Decision {
  record Forward(String gateway, String listener, HostRoute route) implements Decision {}

  record Reject(String reason) implements Decision {}
}
