package dev.passage.rules;

import dev.passage.table.HttpMatching;
import dev.passage.resources.HttpRuleView;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import dev.passage.table.HttpFilters;
import dev.passage.table.HttpRouteRule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An HTTPRoute's rules judged and compiled for the data plane. A rule using something Passage does
 * not serve (a RegularExpression match, a RequestMirror, CORS or ExtensionRef filter, retry,
 * session persistence, an unknown value) or an invalid combination is dropped, never served in
 * part; the route then says so (PartiallyInvalid, or Accepted=False when no rule is left).
 */
public final class HttpRouteRules {
  private HttpRouteRules() {}

  /** The valid rules, and for each dropped one why (reason UnsupportedValue or IncompatibleFilters). */
  public record Compiled(List<HttpRouteRule> rules, List<Dropped> dropped) {}

  public record Dropped(int rule, String reason, String message) {}

  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  /** Thrown inside the compilation of one rule: the rule is dropped with this reason. */
  private static final class Invalid extends Exception {
    final String reason;

    Invalid(String reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }

  public static Compiled compile(RouteView route, ResourceIndex index) {
    List<HttpRouteRule> rules = new ArrayList<>();
    List<Dropped> dropped = new ArrayList<>();
    for (int i = 0; i < route.httpRules().size(); i++) {
      try {
        rules.add(rule(i, route.httpRules().get(i), route, index));
      } catch (Invalid e) {
        dropped.add(new Dropped(i, e.reason, "rule " + i + ": " + e.getMessage()));
      }
    }
    return new Compiled(rules, dropped);
  }

  private static HttpRouteRule rule(int position, HttpRuleView r, RouteView route, ResourceIndex index) throws Invalid {
    if (r.retry()) throw unsupported("retry is not supported");
    if (r.sessionPersistence()) throw unsupported("sessionPersistence is not supported");
    List<HttpMatching.Match> matches = new ArrayList<>();
    for (HttpRuleView.Match m : r.matches()) matches.add(match(m));
    if (matches.isEmpty()) matches.add(new HttpMatching.Match(HttpMatching.PathMatch.ANY, List.of(), List.of(), null));
    HttpFilters filters = filters(r.filters(), matches, true);
    if (filters.redirect() != null && !r.backends().isEmpty()) {
      throw new Invalid("IncompatibleFilters", "a RequestRedirect rule cannot have backendRefs");
    }
    List<HttpRouteRule.HttpBackend> backends = new ArrayList<>();
    for (HttpRuleView.Backend b : r.backends()) {
      backends.add(new HttpRouteRule.HttpBackend(
          BackendRules.resolve(index, route.kind().kindName(), route.meta().namespace(), b.ref()),
          filters(b.filters(), matches, false)));
    }
    long request = duration(r.requestTimeout(), "timeouts.request");
    long backend = duration(r.backendRequestTimeout(), "timeouts.backendRequest");
    if (request > 0 && backend > request) {
      throw unsupported("timeouts.backendRequest (" + r.backendRequestTimeout() + ") exceeds timeouts.request ("
          + r.requestTimeout() + ")");
    }
    return new HttpRouteRule(position, matches, filters, backends, request, backend);
  }

  private static HttpMatching.Match match(HttpRuleView.Match m) throws Invalid {
    String type = m.pathType() == null ? "PathPrefix" : m.pathType();
    String value = m.pathValue() == null ? "/" : m.pathValue();
    HttpMatching.PathType pathType = switch (type) {
      case "PathPrefix" -> HttpMatching.PathType.PATH_PREFIX;
      case "Exact" -> HttpMatching.PathType.EXACT;
      default -> throw unsupported("path match type " + type + " is not supported");
    };
    if (!value.startsWith("/")) throw unsupported("path " + value + " does not start with /");
    List<HttpMatching.Pair> headers = new ArrayList<>();
    for (HttpRuleView.Typed h : m.headers()) headers.add(exactPair(h, "header"));
    List<HttpMatching.Pair> query = new ArrayList<>();
    for (HttpRuleView.Typed q : m.queryParams()) query.add(exactPair(q, "query parameter"));
    if (m.method() != null && !METHODS.contains(m.method())) throw unsupported("method " + m.method() + " is not supported");
    return new HttpMatching.Match(new HttpMatching.PathMatch(pathType, value), headers, query, m.method());
  }

  private static HttpMatching.Pair exactPair(HttpRuleView.Typed t, String what) throws Invalid {
    if (t.type() != null && !"Exact".equals(t.type())) {
      throw unsupported(what + " match type " + t.type() + " is not supported");
    }
    if (t.name() == null || t.value() == null) throw unsupported(what + " match needs a name and a value");
    return new HttpMatching.Pair(t.name(), t.value());
  }

  /** onRule: the filters of a rule (all four types); else of a backendRef (header modifiers only). */
  private static HttpFilters filters(List<HttpRuleView.Filter> filters, List<HttpMatching.Match> matches, boolean onRule)
      throws Invalid {
    HttpFilters.HeaderEdits request = null;
    HttpFilters.HeaderEdits response = null;
    HttpFilters.Redirect redirect = null;
    HttpFilters.Rewrite rewrite = null;
    Set<String> seen = new HashSet<>();
    for (HttpRuleView.Filter f : filters) {
      String type = f.type() == null ? "" : f.type();
      if (!seen.add(type)) throw unsupported("filter " + type + " appears twice");
      switch (type) {
        case "RequestHeaderModifier" -> request = headerEdits(f.requestHeaders(), type);
        case "ResponseHeaderModifier" -> response = headerEdits(f.responseHeaders(), type);
        case "RequestRedirect" -> {
          if (!onRule) throw unsupported("filter RequestRedirect on a backendRef is not supported");
          redirect = redirect(f.redirect(), matches);
        }
        case "URLRewrite" -> {
          if (!onRule) throw unsupported("filter URLRewrite on a backendRef is not supported");
          if (f.rewrite() == null) throw unsupported("filter URLRewrite needs urlRewrite");
          rewrite = new HttpFilters.Rewrite(blankToNull(f.rewrite().hostname()), pathChange(f.rewrite().path(), matches));
        }
        default -> throw unsupported("filter " + (type.isEmpty() ? "without a type" : type) + " is not supported");
      }
    }
    if (redirect != null && rewrite != null) {
      throw new Invalid("IncompatibleFilters", "RequestRedirect and URLRewrite cannot be combined");
    }
    return new HttpFilters(request, response, redirect, rewrite);
  }

  private static HttpFilters.HeaderEdits headerEdits(HttpRuleView.Headers h, String type) throws Invalid {
    if (h == null) throw unsupported("filter " + type + " needs its header changes");
    Set<String> names = new HashSet<>();
    List<HttpFilters.Header> set = new ArrayList<>();
    List<HttpFilters.Header> add = new ArrayList<>();
    for (HttpRuleView.Header x : h.set()) {
      checkOnce(names, x.name(), type);
      set.add(new HttpFilters.Header(x.name(), x.value() == null ? "" : x.value()));
    }
    for (HttpRuleView.Header x : h.add()) {
      checkOnce(names, x.name(), type);
      add.add(new HttpFilters.Header(x.name(), x.value() == null ? "" : x.value()));
    }
    for (String x : h.remove()) checkOnce(names, x, type);
    return new HttpFilters.HeaderEdits(set, add, h.remove());
  }

  private static void checkOnce(Set<String> names, String name, String type) throws Invalid {
    if (name == null || name.isEmpty()) throw unsupported("filter " + type + " names an empty header");
    if (!names.add(name.toLowerCase(Locale.ROOT))) {
      throw unsupported("filter " + type + " changes header " + name + " more than once");
    }
  }

  private static HttpFilters.Redirect redirect(HttpRuleView.Redirect r, List<HttpMatching.Match> matches) throws Invalid {
    if (r == null) throw unsupported("filter RequestRedirect needs requestRedirect");
    String scheme = blankToNull(r.scheme());
    if (scheme != null && !scheme.equals("http") && !scheme.equals("https")) {
      throw unsupported("redirect scheme " + scheme + " is not supported");
    }
    int status = r.statusCode() == null ? 302 : r.statusCode();
    if (!Set.of(301, 302, 303, 307, 308).contains(status)) throw unsupported("redirect statusCode " + status + " is not supported");
    if (r.port() != null && (r.port() < 1 || r.port() > 65535)) throw unsupported("redirect port " + r.port() + " is out of range");
    return new HttpFilters.Redirect(scheme, blankToNull(r.hostname()), pathChange(r.path(), matches), r.port(), status);
  }

  private static HttpFilters.PathChange pathChange(HttpRuleView.PathModifier p, List<HttpMatching.Match> matches)
      throws Invalid {
    if (p == null) return null;
    String type = p.type() == null ? "" : p.type();
    return switch (type) {
      case "ReplaceFullPath" -> {
        if (p.replaceFullPath() == null) throw unsupported("ReplaceFullPath needs replaceFullPath");
        yield new HttpFilters.PathChange(HttpFilters.PathKind.FULL, p.replaceFullPath());
      }
      case "ReplacePrefixMatch" -> {
        if (matches.size() != 1 || matches.get(0).path().type() != HttpMatching.PathType.PATH_PREFIX) {
          throw unsupported("ReplacePrefixMatch needs a rule with exactly one PathPrefix match");
        }
        yield new HttpFilters.PathChange(HttpFilters.PathKind.PREFIX, p.replacePrefixMatch() == null ? "" : p.replacePrefixMatch());
      }
      default -> throw unsupported("path modifier " + type + " is not supported");
    };
  }

  /** A Gateway API Duration (GEP-2257: 1 to 4 groups like 1h, 30m, 10s, 500ms) in milliseconds; null or 0s: none. */
  static long duration(String text, String field) throws Invalid {
    if (text == null || text.isEmpty()) return 0;
    long millis = Durations.millis(text);
    if (millis < 0) throw unsupported(field + " " + text + " is not a duration");
    return millis;
  }

  private static Invalid unsupported(String message) {
    return new Invalid("UnsupportedValue", message);
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
