package dev.passage.proxy;

/** What the access log lines of connections and HTTP requests share. */
public final class AccessLog {
  private AccessLog() {}

  /** A field of an access log line, left out when it has no value (a refused connection has no backend). */
  public static void field(org.slf4j.spi.LoggingEventBuilder line, String key, Object value) {
    if (value != null) line.addKeyValue(key, value.toString());
  }
}
