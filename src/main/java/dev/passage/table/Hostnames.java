package dev.passage.table;

import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;

/**
 * Gateway API hostname rules. A wildcard is a leading "*." and matches one or more labels
 * ("*.example.com" matches a.example.com and a.b.example.com, never example.com). The empty
 * string stands for "no hostname", which matches every name.
 */
public final class Hostnames {
  public static final String ANY = "";

  private Hostnames() {}

  public static String normalize(String hostname) {
    return hostname == null ? ANY : hostname.toLowerCase(Locale.ROOT);
  }

  public static boolean isWildcard(String pattern) {
    return pattern.startsWith("*.");
  }

  /** Whether a concrete name (an SNI) matches a pattern (exact, wildcard or ANY). */
  public static boolean matches(String pattern, String name) {
    if (pattern.isEmpty()) return true;
    if (isWildcard(pattern)) {
      String suffix = pattern.substring(1); // ".example.com"
      return name.length() > suffix.length() && name.endsWith(suffix) && name.charAt(0) != '.';
    }
    return pattern.equals(name);
  }

  /**
   * The hostname a route may serve on a listener: the more specific of the two when they
   * overlap, empty when they do not.
   */
  public static Optional<String> intersect(String listenerHostname, String routeHostname) {
    String l = normalize(listenerHostname);
    String r = normalize(routeHostname);
    if (l.isEmpty()) return Optional.of(r);
    if (r.isEmpty()) return Optional.of(l);
    boolean lw = isWildcard(l);
    boolean rw = isWildcard(r);
    if (!lw && !rw) return l.equals(r) ? Optional.of(l) : Optional.empty();
    if (lw && !rw) return matches(l, r) ? Optional.of(r) : Optional.empty();
    if (!lw) return matches(r, l) ? Optional.of(l) : Optional.empty();
    // both wildcards: the one whose suffix ends with the other's is the intersection
    String ls = l.substring(1);
    String rs = r.substring(1);
    if (ls.endsWith(rs)) return Optional.of(l);
    if (rs.endsWith(ls)) return Optional.of(r);
    return Optional.empty();
  }

  /**
   * Most specific first: exact names, then wildcards with the longest suffix, then ANY. Equal
   * patterns compare equal so that callers can break ties by age and name.
   */
  public static final Comparator<String> MOST_SPECIFIC_FIRST = Comparator
      .comparingInt(Hostnames::rank).reversed()
      .thenComparing(Comparator.comparingInt(String::length).reversed());

  private static int rank(String pattern) {
    if (pattern.isEmpty()) return 0;
    return isWildcard(pattern) ? 1 : 2;
  }
}
