package dev.passage.proxy.http;

import dev.passage.table.HttpFilters;

/** The path and Location changes of URLRewrite and RequestRedirect (gateway-api-http.md 3.3, 3.4), pure. */
public final class UrlChanges {
  private UrlChanges() {}

  /**
   * The path after a change: FULL replaces it; PREFIX replaces the part matched by matchedPrefix
   * (whole segments), so that trailing slashes never double and an empty result is "/".
   */
  public static String path(String path, HttpFilters.PathChange change, String matchedPrefix) {
    if (change == null) return path;
    if (change.kind() == HttpFilters.PathKind.FULL) return change.value();
    String prefix = trimSlash(matchedPrefix);
    String rest = path.length() >= prefix.length() ? path.substring(prefix.length()) : "";
    String result = trimSlash(change.value()) + rest;
    if (result.isEmpty()) return "/";
    return result.startsWith("/") ? result : "/" + result;
  }

  private static String trimSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /**
   * The Location of a redirect. scheme: the redirect's, else the request's. host: the redirect's,
   * else the request's (without port). port: the redirect's; else 80/443 when it sets a scheme;
   * else the listener's. The port is left out where it is the scheme's default.
   */
  public static String location(HttpFilters.Redirect r, boolean requestTls, String requestHost, int listenerPort,
                                String path, String rawQuery, String matchedPrefix) {
    String scheme = r.scheme() != null ? r.scheme() : requestTls ? "https" : "http";
    String host = r.hostname() != null ? r.hostname() : requestHost;
    int port = r.port() != null ? r.port() : r.scheme() != null ? ("https".equals(r.scheme()) ? 443 : 80) : listenerPort;
    boolean defaultPort = ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
    StringBuilder b = new StringBuilder(scheme).append("://").append(host);
    if (!defaultPort) b.append(':').append(port);
    b.append(path(path, r.path(), matchedPrefix));
    if (rawQuery != null && !rawQuery.isEmpty()) b.append('?').append(rawQuery);
    return b.toString();
  }
}
