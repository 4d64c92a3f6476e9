package dev.passage.table;

import dev.passage.rules.Hostnames;
import dev.passage.rules.HttpMatching;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTPRoute rules of one HTTP or HTTPS listener, compiled for per-request lookup. The request's
 * host (without its port) picks the most specific route hostname that matches it (exact, then the
 * longest wildcard, then routes without hostnames), like a virtual host: requests for a name never
 * fall back to the rules of a less specific one. Among that hostname's rules the Gateway API's
 * match precedence decides ({@link HttpMatching#PRECEDENCE}).
 */
public final class HttpRoutes {
  /** What a request was matched to: the route, and its rule. */
  public record Target(HostRoute route, HttpRouteRule rule) {}

  private final Map<String, List<HttpMatching.Candidate<Target>>> exact = new HashMap<>();
  private final Map<String, List<HttpMatching.Candidate<Target>>> wildcard = new HashMap<>(); // by ".suffix"
  private final List<HttpMatching.Candidate<Target>> any = new ArrayList<>();

  HttpRoutes(List<HostRoute> routes) {
    for (HostRoute r : routes) {
      List<HttpMatching.Candidate<Target>> into;
      if (r.hostname().isEmpty()) into = any;
      else if (Hostnames.isWildcard(r.hostname())) into = wildcard.computeIfAbsent(r.hostname().substring(1), k -> new ArrayList<>());
      else into = exact.computeIfAbsent(r.hostname(), k -> new ArrayList<>());
      for (HttpRouteRule rule : r.httpRules()) {
        for (int m = 0; m < rule.matches().size(); m++) {
          into.add(new HttpMatching.Candidate<>(rule.matches().get(m), r.created(), r.route(), rule.index(), m,
              new Target(r, rule)));
        }
      }
    }
  }

  /** The rule this request goes to, or empty (404). host is the Host header or :authority as sent. */
  public Optional<Target> select(String host, HttpMatching.Request request) {
    String name = hostWithoutPort(host);
    List<HttpMatching.Candidate<Target>> candidates = exact.get(name);
    for (int dot = name.indexOf('.', 1); candidates == null && dot > 0; dot = name.indexOf('.', dot + 1)) {
      candidates = wildcard.get(name.substring(dot));
    }
    if (candidates == null) candidates = any;
    return HttpMatching.select(candidates, request).map(HttpMatching.Candidate::target);
  }

  /** "Example.com:8080" -> "example.com"; "[::1]:80" -> "[::1]"; a trailing dot is dropped. */
  public static String hostWithoutPort(String host) {
    if (host == null) return "";
    String h = host.trim().toLowerCase(Locale.ROOT);
    int colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(']') < colon) h = h.substring(0, colon);
    if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
    return h;
  }
}
