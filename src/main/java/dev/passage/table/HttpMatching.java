package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * HTTPRoute request matching and the precedence among matches, as the Gateway API specifies them
 * (reference: gateway-api-http.md sections 1.5 and 2.1). Pure: the HTTP data plane of issue 11
 * will compile each listener's routes into candidates and ask {@link #select} per request.
 * Not wired to traffic yet.
 */
public final class HttpMatching {
  private HttpMatching() {}

  public enum PathType { EXACT, PATH_PREFIX }

  /** A path match; the API's default is PathPrefix "/". */
  public record PathMatch(PathType type, String value) {
    public static final PathMatch ANY = new PathMatch(PathType.PATH_PREFIX, "/");
  }

  /** One name/value pair to match exactly (header names case-insensitive, query names case-sensitive). */
  public record Pair(String name, String value) {}

  /** One entry of a rule's matches: its parts are ANDed. method null: any method. */
  public record Match(PathMatch path, List<Pair> headers, List<Pair> queryParams, String method) {
    public Match {
      path = path == null ? PathMatch.ANY : path;
      headers = firstOfEquivalent(headers == null ? List.of() : headers, true);
      queryParams = firstOfEquivalent(queryParams == null ? List.of() : queryParams, false);
    }

    public static Match path(PathType type, String value) {
      return new Match(new PathMatch(type, value), List.of(), List.of(), null);
    }
  }

  /**
   * A request as matching sees it: header names lower-cased; for a repeated header or query
   * parameter the first value is the one matched (the specification leaves repeats open and
   * recommends the first for query parameters).
   */
  public record Request(String method, String path, Map<String, String> headers, Map<String, String> query) {}

  /**
   * A match of one rule of one route. created and route order ties between routes; rule and
   * matchIndex order ties within a route. target is what the caller routes to.
   */
  public record Candidate<T>(Match match, Instant created, NamespacedName route, int rule, int matchIndex, T target) {}

  /** Among equivalent names only the first entry counts. */
  private static List<Pair> firstOfEquivalent(List<Pair> pairs, boolean caseInsensitive) {
    Set<String> seen = new HashSet<>();
    return pairs.stream()
        .filter(p -> seen.add(caseInsensitive ? p.name().toLowerCase(Locale.ROOT) : p.name()))
        .toList();
  }

  public static boolean matches(Match m, Request r) {
    if (!pathMatches(m.path(), r.path())) return false;
    if (m.method() != null && !m.method().equals(r.method())) return false; // HEAD is not GET
    for (Pair h : m.headers()) {
      if (!h.value().equals(r.headers().get(h.name().toLowerCase(Locale.ROOT)))) return false;
    }
    for (Pair q : m.queryParams()) {
      if (!q.value().equals(r.query().get(q.name()))) return false;
    }
    return true;
  }

  /** Exact: the whole path, case-sensitive. PathPrefix: whole "/"-separated segments; a trailing "/" in the value is ignored. */
  public static boolean pathMatches(PathMatch p, String path) {
    if (p.type() == PathType.EXACT) return p.value().equals(path);
    String prefix = p.value().endsWith("/") ? p.value().substring(0, p.value().length() - 1) : p.value();
    if (prefix.isEmpty()) return path.startsWith("/");
    return path.equals(prefix) || path.startsWith(prefix + "/");
  }

  /**
   * The order in which matching candidates win: an Exact path, then the longest PathPrefix, then a
   * method match, then the most header matches, then the most query matches; then the oldest
   * route, then namespace/name; then the rule's and the match's place in the route.
   */
  public static final Comparator<Candidate<?>> PRECEDENCE = Comparator
      .comparing((Candidate<?> c) -> c.match().path().type() != PathType.EXACT)
      .thenComparing(c -> -prefixLength(c.match().path()))
      .thenComparing(c -> c.match().method() == null)
      .thenComparing(c -> -c.match().headers().size())
      .thenComparing(c -> -c.match().queryParams().size())
      .thenComparing(Candidate::created)
      .thenComparing(Candidate::route)
      .thenComparingInt(Candidate::rule)
      .thenComparingInt(Candidate::matchIndex);

  private static int prefixLength(PathMatch p) {
    if (p.type() != PathType.PATH_PREFIX) return 0;
    return p.value().endsWith("/") && p.value().length() > 1 ? p.value().length() - 1 : p.value().length();
  }

  /** The winning candidate for this request, or empty (the HTTP answer is then 404). */
  public static <T> Optional<Candidate<T>> select(List<Candidate<T>> candidates, Request r) {
    return candidates.stream().filter(c -> matches(c.match(), r)).min(PRECEDENCE);
  }
}
