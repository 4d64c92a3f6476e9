package dev.passage.table;

import dev.passage.rules.Hostnames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The listeners bound on one address and port, compiled for lookup. The SNI picks the listener
 * (exact, then the longest wildcard, then the catch-all; ties to the older Gateway), then the
 * listener picks the route. There is no fall-back to a less specific listener.
 */
final class PortTable {
  private final List<Compiled> listeners;

  PortTable(List<Entry> entries) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing((Entry e) -> e.listener.hostname(), Hostnames.MOST_SPECIFIC_FIRST)
        .thenComparing(e -> e.gateway.created())
        .thenComparing(e -> e.gateway.gateway()));
    List<Compiled> compiled = new ArrayList<>();
    for (Entry e : sorted) compiled.add(new Compiled(e));
    this.listeners = List.copyOf(compiled);
  }

  record Entry(GatewayTable gateway, ListenerTable listener) {}

  Decision lookup(String sni) {
    for (Compiled c : listeners) {
      if (Hostnames.matches(c.hostname, sni)) return c.lookup(sni);
    }
    return new Decision.Reject("no listener matches");
  }

  private static final class Compiled {
    final String gateway;
    final String listener;
    final String hostname;
    final ListenerTable.Termination terminate;
    final Map<String, HostRoute> exact = new HashMap<>();
    final Map<String, HostRoute> wildcard = new HashMap<>(); // keyed by suffix, ".example.com"
    HostRoute any;

    Compiled(Entry e) {
      gateway = e.gateway.gateway().toString();
      listener = e.listener.name();
      hostname = e.listener.hostname();
      terminate = e.listener.terminate();
      // routes arrive most specific first and, within a hostname, oldest first: the first wins
      for (HostRoute r : e.listener.routes()) {
        String h = r.hostname();
        if (h.isEmpty()) {
          if (any == null) any = r;
        } else if (Hostnames.isWildcard(h)) {
          wildcard.putIfAbsent(h.substring(1), r);
        } else {
          exact.putIfAbsent(h, r);
        }
      }
    }

    Decision lookup(String sni) {
      HostRoute r = exact.get(sni);
      // the longest matching wildcard suffix first: walk the dots from the left
      for (int dot = sni.indexOf('.', 1); r == null && dot > 0; dot = sni.indexOf('.', dot + 1)) {
        r = wildcard.get(sni.substring(dot));
      }
      if (r == null) r = any;
      if (r == null) return new Decision.Reject("no route on listener " + gateway + "/" + listener);
      return new Decision.Forward(gateway, listener, r, terminate);
    }
  }
}
