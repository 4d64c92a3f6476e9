package dev.passage.ops;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where GET /passage/routes and /passage/status are served (passage.admin in reference.conf): on
 * the management port while it listens on loopback only (standalone), else on a port of their own
 * (passage.admin.hostname:port, 127.0.0.1 by default), so that a management port open to probes,
 * peers and Prometheus never shows every backend's address to whoever reaches it.
 */
public final class AdminApi {
  private AdminApi() {}

  /** Whether the management port serves the admin routes: it listens on a loopback address. */
  public static boolean onManagementPort(Config config) {
    return loopback(managementBindHost(config));
  }

  /** The address the management port binds: bind-hostname when set, else hostname (as Pekko Management binds). */
  public static String managementBindHost(Config config) {
    Config http = config.getConfig("pekko.management.http");
    return http.hasPath("bind-hostname") && !http.getString("bind-hostname").isBlank()
        ? http.getString("bind-hostname") : http.getString("hostname");
  }

  static boolean loopback(String host) {
    if (host == null || host.isBlank()) return false;
    if (host.equals("localhost")) return true;
    try {
      InetAddress a = InetAddress.getByName(host);
      return a.isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false; // a name that does not resolve here: not known to be loopback
    }
  }
}
