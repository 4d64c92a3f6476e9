package dev.passage.proxy.http;

import dev.passage.table.HttpFilters;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/** Header handling between client and backend: hop-by-hop removal and the header modifier filters. */
final class HttpHeaders {
  private HttpHeaders() {}

  /** RFC 9110 7.6.1, plus the proxy headers: never forwarded, in either direction. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
      "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization");

  /** Pekko's own synthetic headers, which no peer sent. */
  private static final Set<String> SYNTHETIC = Set.of("timeout-access", "remote-address", "raw-request-uri", "tls-session-info");

  /** The headers worth forwarding: without hop-by-hop ones, those named in Connection, and Pekko's synthetic ones. */
  static List<HttpHeader> endToEnd(Iterable<HttpHeader> headers) {
    Set<String> named = new HashSet<>();
    for (HttpHeader h : headers) {
      if (h.is("connection")) {
        for (String token : h.value().split(",")) named.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    List<HttpHeader> out = new ArrayList<>();
    for (HttpHeader h : headers) {
      String n = h.lowercaseName();
      if (!HOP_BY_HOP.contains(n) && !SYNTHETIC.contains(n) && !named.contains(n)) out.add(h);
    }
    return out;
  }

  /** Whether endToEnd would keep every one of these headers (then a message can pass unchanged). */
  static boolean allEndToEnd(Iterable<HttpHeader> headers) {
    for (HttpHeader h : headers) {
      String n = h.lowercaseName();
      if (n.equals("connection") || HOP_BY_HOP.contains(n) || SYNTHETIC.contains(n)) return false;
    }
    return true;
  }

  /** remove, then set (replacing every value), then add (another line: the value is appended). */
  static List<HttpHeader> edit(List<HttpHeader> headers, HttpFilters.HeaderEdits edits) {
    if (edits == null) return headers;
    Set<String> drop = new HashSet<>();
    edits.remove().forEach(n -> drop.add(n.toLowerCase(Locale.ROOT)));
    edits.set().forEach(h -> drop.add(h.name().toLowerCase(Locale.ROOT)));
    List<HttpHeader> out = new ArrayList<>();
    for (HttpHeader h : headers) if (!drop.contains(h.lowercaseName())) out.add(h);
    for (HttpFilters.Header h : edits.set()) out.add(RawHeader.create(h.name(), h.value()));
    for (HttpFilters.Header h : edits.add()) out.add(RawHeader.create(h.name(), h.value()));
    return out;
  }

  /** X-Forwarded-For gains the client's address (after any the request carried); X-Forwarded-Proto is set. */
  static List<HttpHeader> forwarded(List<HttpHeader> headers, String clientIp, boolean tls) {
    String previous = null;
    List<HttpHeader> out = new ArrayList<>();
    for (HttpHeader h : headers) {
      if (h.is("x-forwarded-for")) previous = previous == null ? h.value() : previous + ", " + h.value();
      else if (!h.is("x-forwarded-proto")) out.add(h);
    }
    out.add(RawHeader.create("X-Forwarded-For", previous == null ? clientIp : previous + ", " + clientIp));
    out.add(RawHeader.create("X-Forwarded-Proto", tls ? "https" : "http"));
    return out;
  }
}
