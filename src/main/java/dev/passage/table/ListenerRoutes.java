package dev.passage.table;

import dev.passage.collections.PersistentMap;
import dev.passage.resources.NamespacedName;
import dev.passage.table.Hostnames;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The routes claiming each hostname of one listener, best first: the oldest route, then by
 * namespace/name (a TLS listener serves the first; an HTTP listener matches among them all).
 * Exact names, wildcards (by their suffix, ".example.com") and the catch-all apart, so that a
 * lookup walks the SNI's dots. Immutable; replacing one route's claims touches only the hostnames
 * that route claimed or claims, never the others.
 */
final class ListenerRoutes {
  static final ListenerRoutes EMPTY = new ListenerRoutes(PersistentMap.empty(), PersistentMap.empty(), List.of());

  /** Among the routes claiming one hostname: the older first, then by name. */
  static final Comparator<HostRoute> PRECEDENCE = Comparator.comparing(HostRoute::created).thenComparing(HostRoute::route);

  private final PersistentMap<String, List<HostRoute>> exact;
  private final PersistentMap<String, List<HostRoute>> wildcard;
  private final List<HostRoute> any;

  private ListenerRoutes(PersistentMap<String, List<HostRoute>> exact, PersistentMap<String, List<HostRoute>> wildcard,
                         List<HostRoute> any) {
    this.exact = exact;
    this.wildcard = wildcard;
    this.any = any;
  }

  /** The routes claiming this hostname pattern ("" for the catch-all), best first. */
  List<HostRoute> claims(String hostname) {
    if (hostname.isEmpty()) return any;
    if (Hostnames.isWildcard(hostname)) return wildcard.getOrDefault(hostname.substring(1), List.of());
    return exact.getOrDefault(hostname, List.of());
  }

  /** The best route for a concrete name: exact, then the longest matching wildcard, then the catch-all. */
  HostRoute best(String name) {
    List<HostRoute> c = exact.get(name);
    // the longest matching wildcard suffix first: walk the dots from the left
    for (int dot = name.indexOf('.', 1); c == null && dot > 0; dot = name.indexOf('.', dot + 1)) {
      c = wildcard.get(name.substring(dot));
    }
    if (c == null || c.isEmpty()) c = any;
    return c.isEmpty() ? null : c.get(0);
  }

  /** The candidates of a concrete name, by the same rule as {@link #best} (for HTTP's virtual hosts). */
  List<HostRoute> forName(String name) {
    List<HostRoute> c = exact.get(name);
    for (int dot = name.indexOf('.', 1); c == null && dot > 0; dot = name.indexOf('.', dot + 1)) {
      c = wildcard.get(name.substring(dot));
    }
    return c == null ? any : c;
  }

  /**
   * These routes with one route's claims replaced: its claims on the hostnames in before are
   * dropped, the claims in after added. Returns the hostnames whose claims changed.
   */
  Replaced replace(NamespacedName route, Collection<String> before, List<HostRoute> after) {
    Set<String> touched = new LinkedHashSet<>(before);
    for (HostRoute r : after) touched.add(r.hostname());
    PersistentMap<String, List<HostRoute>> e = exact;
    PersistentMap<String, List<HostRoute>> w = wildcard;
    List<HostRoute> a = any;
    for (String h : touched) {
      List<HostRoute> next = new ArrayList<>();
      for (HostRoute r : claims(h)) if (!r.route().equals(route)) next.add(r);
      for (HostRoute r : after) if (r.hostname().equals(h)) next.add(r);
      next.sort(PRECEDENCE);
      List<HostRoute> value = List.copyOf(next);
      if (h.isEmpty()) a = value;
      else if (Hostnames.isWildcard(h)) w = w.with(h.substring(1), value.isEmpty() ? null : value);
      else e = e.with(h, value.isEmpty() ? null : value);
    }
    return new Replaced(new ListenerRoutes(e, w, a), touched);
  }

  record Replaced(ListenerRoutes routes, Set<String> hostnames) {}
}
