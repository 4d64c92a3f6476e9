package dev.passage.table;

/**
 * What a TrafficPolicy asks of the connections of a Gateway, a listener or a route, as the route
 * table carries it (a listener's merged over its Gateway's, a route's alone; the data plane puts
 * the route's over the listener's, field by field). A limit counts the connections of the object
 * whose policy set it (its scope, such as "Gateway default/gw"), on each node; drain is a route's
 * only. null fields are unset.
 */
public record ConnectionPolicy(Limit maxConcurrent, Limit maxPerSecond, Drain drain) {
  public static final ConnectionPolicy NONE = new ConnectionPolicy(null, null, null);

  /** At most value connections (open at once, or opened per second) among those counted under scope. */
  public record Limit(String scope, int value) {}

  /** What a route change that moves or removes an established connection's route does to it. */
  public record Drain(DrainMode mode, long withinMillis) {}

  public enum DrainMode { Keep, Close, Drain }

  /** This policy's fields, and where it sets none, other's (either may be null). */
  public static ConnectionPolicy merge(ConnectionPolicy more, ConnectionPolicy less) {
    if (less == null || less.empty()) return more == null || more.empty() ? null : more;
    if (more == null || more.empty()) return less;
    return new ConnectionPolicy(more.maxConcurrent != null ? more.maxConcurrent : less.maxConcurrent,
        more.maxPerSecond != null ? more.maxPerSecond : less.maxPerSecond,
        more.drain != null ? more.drain : less.drain);
  }

  public boolean empty() {
    return maxConcurrent == null && maxPerSecond == null && drain == null;
  }

  /** Whether established connections are closed when their route moves (Close or Drain). */
  public boolean drains() {
    return drain != null && drain.mode() != DrainMode.Keep;
  }
}
