package passage.load;

import static io.gatling.javaapi.http.HttpDsl.http;

import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every simulation is pointed at, from -D system properties, so that the same simulations run
 * against a local Passage (load-tests/run.sh), a Gateway address on a cluster, or HAProxy or nginx
 * configured alike:
 * <pre>
 *   target.host       the address to connect to (default 127.0.0.1); every hostname resolves to it
 *   target.port       the TLS port (default 8443)
 *   target.hostname   the SNI of the single-route simulations (default api.example.com)
 *   target.expect     the backend name its responses must carry (default api-service)
 *   routes            hostname=backend pairs for the SNI mix, comma-separated (default: the tutorial's)
 *   duration          seconds of load (default 30)
 *   connections       keep-alive connections per hostname of the open models (default 64)
 * </pre>
 * Certificates are not verified (the backends' own are self-signed): routing is checked by the body.
 */
final class Targets {
  private Targets() {}

  static String host() {
    return System.getProperty("target.host", "127.0.0.1");
  }

  static int port() {
    return Integer.getInteger("target.port", 8443);
  }

  static String hostname() {
    return System.getProperty("target.hostname", "api.example.com");
  }

  static String expect() {
    return System.getProperty("target.expect", "api-service");
  }

  static Duration duration() {
    return Duration.ofSeconds(Long.getLong("duration", 30));
  }

  static int intSetting(String name, int fallback) {
    return Integer.getInteger(name, fallback);
  }

  /** hostname -> the backend (or backends, "a|b") its responses come from. */
  static Map<String, String> routes() {
    String spec = System.getProperty("routes", "api.example.com=api-service,admin.example.com=admin-service,"
        + "metrics.example.com=metrics-service,app1.apps.example.com=app-router-service,"
        + "deep.app2.apps.example.com=app-router-service,backend.example.com=backend-service,"
        + "canary.example.com=api-stable|api-canary");
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : spec.split(",")) {
      String[] kv = pair.trim().split("=", 2);
      out.put(kv[0], kv[1]);
    }
    return out;
  }

  /** HTTPS to hostname:port, every hostname resolved to target.host (the SNI stays the hostname). */
  static HttpProtocolBuilder protocol(String hostname, int port, List<String> allHostnames) {
    Map<String, List<String>> aliases = new LinkedHashMap<>();
    for (String h : allHostnames) aliases.put(h, List.of(host()));
    aliases.put(hostname, List.of(host()));
    return http.baseUrl("https://" + hostname + ":" + port)
        .hostNameAliases(aliases)
        .disableWarmUp()
        .acceptHeader("*/*")
        .userAgentHeader("passage-load-tests");
  }

  static HttpProtocolBuilder protocol() {
    return protocol(hostname(), port(), List.of());
  }

  /**
   * For open models: virtual users share a pool of keep-alive connections, as many per hostname as
   * -Dconnections (Gatling's default of 6 would queue arrivals behind six connections).
   */
  static HttpProtocolBuilder shared(HttpProtocolBuilder protocol) {
    return protocol.shareConnections().maxConnectionsPerHost(intSetting("connections", 64));
  }

  /** The body every response of a route must carry. */
  static String body(String backend) {
    return "Hello from " + backend + "\n";
  }
}
