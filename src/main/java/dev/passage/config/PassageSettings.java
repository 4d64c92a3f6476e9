package dev.passage.config;

import com.typesafe.config.Config;
import dev.passage.rules.RulesSettings;
import java.time.Duration;

/** The typed view of the passage { } block of the configuration; reference.conf documents each. */
public record PassageSettings(String controllerName, String bindAddress, Duration pollInterval,
                              Proxy proxy) {
  public record Proxy(int clientHelloMaxBytes, Duration clientHelloTimeout, Duration connectTimeout,
                      int connectAttempts, Duration idleTimeout, int backlog, boolean accessLog) {}

  public static PassageSettings from(Config root) {
    Config c = root.getConfig("passage");
    Config p = c.getConfig("proxy");
    Proxy proxy = new Proxy(
        (int) p.getBytes("client-hello-max-bytes").longValue(),
        p.getDuration("client-hello-timeout"),
        p.getDuration("connect-timeout"),
        p.getInt("connect-attempts"),
        p.getDuration("idle-timeout"),
        p.getInt("backlog"),
        p.getBoolean("access-log"));
    if (proxy.connectAttempts() < 1) throw new IllegalArgumentException("passage.proxy.connect-attempts must be >= 1");
    return new PassageSettings(c.getString("controller-name"), c.getString("standalone.bind-address"),
        c.getDuration("standalone.poll-interval"), proxy);
  }

  public RulesSettings rules() {
    return RulesSettings.standalone(controllerName, bindAddress);
  }
}
