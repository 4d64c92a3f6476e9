package dev.passage.config;

import com.typesafe.config.Config;
import dev.passage.rules.RulesSettings;
import java.time.Duration;

/** The typed view of the passage { } block of the configuration; reference.conf documents each. */
public record PassageSettings(String controllerName, String bindAddress, Duration pollInterval, Duration settleTime,
                              Proxy proxy, Kubernetes kubernetes, String clusterJoin, int maxRouteSeries,
                              java.util.Optional<dev.passage.resources.NamespacedName> sessionTicketSecret) {
  /** Kubernetes mode: placement of the Gateways, the watchers, the status writer. */
  public record Kubernetes(RulesSettings.Kubernetes placement, Duration resync, Duration batchWindow,
                           Duration missingKindRetry, double statusWritesPerSecond, int statusWriteBurst,
                           boolean events, java.util.List<String> namespaces) {
    /** namespaces: those watched, empty for every namespace. */
    public Kubernetes {
      namespaces = java.util.List.copyOf(namespaces);
    }
  }

  public record Proxy(int clientHelloMaxBytes, int clientHelloMaxRecords, Duration clientHelloTimeout,
                      Duration clientHelloTimeoutAtCap, Duration connectTimeout, int connectAttempts,
                      Duration idleTimeout, Duration clientFinTimeout, Duration serverFinTimeout, Duration sendTimeout,
                      int backlog, boolean accessLog, int maxConnections, long readBufferBytes, int ioThreads,
                      Duration logSummaryInterval, Duration udpIdleTimeout, int maxUdpFlows) {}

  public static PassageSettings from(Config root) {
    Config c = root.getConfig("passage");
    Config p = c.getConfig("proxy");
    Proxy proxy = new Proxy(
        (int) p.getBytes("client-hello-max-bytes").longValue(),
        p.getInt("client-hello-max-records"),
        p.getDuration("client-hello-timeout"),
        p.getDuration("client-hello-timeout-at-cap"),
        p.getDuration("connect-timeout"),
        p.getInt("connect-attempts"),
        p.getDuration("idle-timeout"),
        p.getDuration("client-fin-timeout"),
        p.getDuration("server-fin-timeout"),
        p.getDuration("send-timeout"),
        p.getInt("backlog"),
        p.getBoolean("access-log"),
        maxConnections(p.getString("max-connections")),
        p.getBytes("read-buffer-size"),
        c.getInt("proxy-dispatcher.io-loops.threads"),
        p.getDuration("log-summary-interval"),
        p.getDuration("udp-idle-timeout"),
        p.getInt("max-udp-flows"));
    if (proxy.maxUdpFlows() < 1) throw new com.typesafe.config.ConfigException.Generic("passage.proxy.max-udp-flows must be >= 1");
    if (proxy.ioThreads() < 1) throw new com.typesafe.config.ConfigException.Generic("passage.proxy-dispatcher.io-loops.threads must be >= 1");
    if (proxy.connectAttempts() < 1) throw new com.typesafe.config.ConfigException.Generic("passage.proxy.connect-attempts must be >= 1");
    for (String d : new String[] {"client-hello-timeout", "client-hello-timeout-at-cap", "connect-timeout", "idle-timeout",
        "client-fin-timeout", "server-fin-timeout", "send-timeout", "log-summary-interval", "udp-idle-timeout"}) {
      if (p.getDuration(d).isNegative() || p.getDuration(d).isZero()) {
        throw new com.typesafe.config.ConfigException.Generic("passage.proxy." + d + " must be positive");
      }
    }
    if (proxy.clientHelloTimeoutAtCap().compareTo(proxy.clientHelloTimeout()) > 0) {
      throw new com.typesafe.config.ConfigException.Generic("passage.proxy.client-hello-timeout-at-cap must not exceed client-hello-timeout");
    }
    Config k = c.getConfig("kubernetes");
    java.util.Map<String, String> selector = new java.util.TreeMap<>();
    k.getConfig("pod-selector").entrySet().forEach(e -> selector.put(e.getKey().replace("\"", ""),
        String.valueOf(e.getValue().unwrapped())));
    Kubernetes kubernetes = new Kubernetes(
        new RulesSettings.Kubernetes(k.getString("bind-address"), k.getInt("port-range-start"),
            k.getInt("port-range-end"), k.getString("service-type"), selector),
        k.getDuration("resync"), k.getDuration("batch-window"), k.getDuration("missing-kind-retry"),
        positive(k.getDouble("status-writes-per-second"), "passage.kubernetes.status-writes-per-second"),
        (int) positive(k.getInt("status-write-burst"), "passage.kubernetes.status-write-burst"), k.getBoolean("events"),
        k.getStringList("namespaces"));
    String join = c.getString("cluster.join");
    if (!java.util.Set.of("self", "seed-nodes", "bootstrap").contains(join)) {
      throw new com.typesafe.config.ConfigException.Generic("passage.cluster.join must be self, seed-nodes or bootstrap, not " + join);
    }
    int maxRouteSeries = c.getInt("metrics.max-route-series");
    if (maxRouteSeries < 0) {
      throw new com.typesafe.config.ConfigException.Generic(
          "passage.metrics.max-route-series must be 0 (off) or more, not " + maxRouteSeries);
    }
    return new PassageSettings(c.getString("controller-name"), c.getString("standalone.bind-address"),
        c.getDuration("standalone.poll-interval"), c.getDuration("standalone.settle-time"), proxy, kubernetes, join,
        maxRouteSeries, namespacedName(c.getString("tls.session-tickets.secret"), "passage.tls.session-tickets.secret"));
  }

  private static final java.util.regex.Pattern DNS_NAME = java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

  /** "namespace/name", or empty for "". */
  private static java.util.Optional<dev.passage.resources.NamespacedName> namespacedName(String value, String setting) {
    if (value.isBlank()) return java.util.Optional.empty();
    String[] parts = value.trim().split("/", -1);
    if (parts.length != 2 || !DNS_NAME.matcher(parts[0]).matches() || !DNS_NAME.matcher(parts[1]).matches()) {
      throw new com.typesafe.config.ConfigException.Generic(
          setting + " must be namespace/name (a Secret's), or \"\" for none, not \"" + value + "\"");
    }
    return java.util.Optional.of(new dev.passage.resources.NamespacedName(parts[0], parts[1]));
  }

  private static double positive(double value, String name) {
    if (value <= 0) throw new com.typesafe.config.ConfigException.Generic(name + " must be more than 0, not " + value);
    return value;
  }

  /** "auto" (sized from the heap: a negative number here) or a number. */
  private static int maxConnections(String value) {
    if (value.equals("auto")) return -1;
    try {
      int n = Integer.parseInt(value);
      if (n < 1) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new com.typesafe.config.ConfigException.Generic("passage.proxy.max-connections must be auto or a positive number, not " + value);
    }
  }

  public RulesSettings standaloneRules() {
    return RulesSettings.standalone(controllerName, bindAddress);
  }

  public RulesSettings kubernetesRules() {
    return RulesSettings.kubernetes(controllerName, kubernetes.placement());
  }
}
