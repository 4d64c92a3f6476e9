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
 * listener picks the route. There is no fall-back to a less specific listener. TLS and HTTPS
 * listeners are chosen by SNI; plain HTTP listeners (which cannot share a port with them in one
 * Gateway) by each request's Host.
 */
final class PortTable {
  private final List<Compiled> listeners;
  private final boolean plainHttp;

  PortTable(List<Entry> entries) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing((Entry e) -> e.listener.hostname(), Hostnames.MOST_SPECIFIC_FIRST)
        .thenComparing(e -> e.gateway.created())
        .thenComparing(e -> e.gateway.gateway()));
    List<Compiled> compiled = new ArrayList<>();
    for (Entry e : sorted) compiled.add(new Compiled(e));
    this.listeners = List.copyOf(compiled);
    this.plainHttp = compiled.stream().anyMatch(c -> !c.tls);
  }

  boolean servesPlainHttp() {
    return plainHttp;
  }

  /** The HTTP listener for a request: by SNI over TLS (an HTTPS listener), else by its Host. */
  java.util.Optional<HttpListener> httpListener(String name, boolean tls) {
    String host = tls ? name : HttpRoutes.hostWithoutPort(name);
    for (Compiled c : listeners) {
      if (c.tls == tls && Hostnames.matches(c.hostname, host)) {
        return c.http == null ? java.util.Optional.empty()
            : java.util.Optional.of(new HttpListener(c.gateway, c.listener, c.port, tls, c.http));
      }
    }
    return java.util.Optional.empty();
  }

  record Entry(GatewayTable gateway, ListenerTable listener) {}

  Decision lookup(String sni) {
    for (Compiled c : listeners) {
      if (c.tls && Hostnames.matches(c.hostname, sni)) return c.lookup(sni);
    }
    return new Decision.Reject("no listener matches");
  }

  private static final class Compiled {
    final String gateway;
    final String listener;
    final String hostname;
    final ListenerTable.Termination terminate;
    final boolean tls;
    final int port;
    final HttpRoutes http; // null for a TLS listener
    final Map<String, HostRoute> exact = new HashMap<>();
    final Map<String, HostRoute> wildcard = new HashMap<>(); // keyed by suffix, ".example.com"
    HostRoute any;

    Compiled(Entry e) {
      gateway = e.gateway.gateway().toString();
      listener = e.listener.name();
      hostname = e.listener.hostname();
      terminate = e.listener.terminate();
      tls = e.listener.tls();
      port = e.listener.port();
      http = e.listener.servesHttp() ? new HttpRoutes(e.listener.routes()) : null;
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
      if (http != null) return new Decision.ServeHttps(gateway, listener, terminate);
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
