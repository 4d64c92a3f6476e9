package dev.passage.table;

import dev.passage.collections.PersistentMap;
import dev.passage.table.Hostnames;
import dev.passage.table.HttpMatching;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The HTTPRoute rules of one HTTP or HTTPS listener, compiled for per-request lookup. The request's
 * host (without its port) picks the most specific route hostname that matches it (exact, then the
 * longest wildcard, then routes without hostnames), like a virtual host: requests for a name never
 * fall back to the rules of a less specific one. Among that hostname's rules the Gateway API's
 * match precedence decides ({@link HttpMatching#PRECEDENCE}).
 */
public final class HttpRoutes {
  static final HttpRoutes EMPTY = new HttpRoutes(PersistentMap.empty(), PersistentMap.empty(), List.of());

  /** What a request was matched to: the route, and its rule. */
  public record Target(HostRoute route, HttpRouteRule rule) {}

  private final PersistentMap<String, List<HttpMatching.Candidate<Target>>> exact;
  private final PersistentMap<String, List<HttpMatching.Candidate<Target>>> wildcard; // by ".suffix"
  private final List<HttpMatching.Candidate<Target>> any;

  private HttpRoutes(PersistentMap<String, List<HttpMatching.Candidate<Target>>> exact,
                     PersistentMap<String, List<HttpMatching.Candidate<Target>>> wildcard,
                     List<HttpMatching.Candidate<Target>> any) {
    this.exact = exact;
    this.wildcard = wildcard;
    this.any = any;
  }

  /** These rules with the candidates of the given hostnames made again from the listener's claims. */
  HttpRoutes updated(ListenerRoutes routes, Set<String> hostnames) {
    var e = exact;
    var w = wildcard;
    var a = any;
    for (String h : hostnames) {
      List<HttpMatching.Candidate<Target>> candidates = new ArrayList<>();
      for (HostRoute r : routes.claims(h)) {
        for (HttpRouteRule rule : r.httpRules()) {
          for (int m = 0; m < rule.matches().size(); m++) {
            candidates.add(new HttpMatching.Candidate<>(rule.matches().get(m), r.created(), r.route(), rule.index(), m,
                new Target(r, rule)));
          }
        }
      }
      List<HttpMatching.Candidate<Target>> value = candidates.isEmpty() ? null : List.copyOf(candidates);
      if (h.isEmpty()) a = value == null ? List.of() : value;
      else if (Hostnames.isWildcard(h)) w = w.with(h.substring(1), value);
      else e = e.with(h, value);
    }
    return new HttpRoutes(e, w, a);
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
