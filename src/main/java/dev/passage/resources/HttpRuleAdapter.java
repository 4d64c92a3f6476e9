package dev.passage.resources;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathModifier;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import java.util.List;

/** HTTPRoute rules (v1 and v1beta1 share these types) into {@link HttpRuleView}s. */
final class HttpRuleAdapter {
  private HttpRuleAdapter() {}

  /** Omitted rules mean one rule matching every path with no backends (the API's default). */
  static List<HttpRuleView> rules(List<HTTPRouteRule> rules) {
    if (rules == null || rules.isEmpty()) {
      return List.of(new HttpRuleView(null, List.of(), List.of(), List.of(), null, null, false, false));
    }
    return rules.stream().map(HttpRuleAdapter::rule).toList();
  }

  private static HttpRuleView rule(HTTPRouteRule r) {
    var timeouts = r.getTimeouts();
    return new HttpRuleView(r.getName(),
        ModelAdapter.nullSafe(r.getMatches()).stream().map(HttpRuleAdapter::match).toList(),
        filters(r.getFilters()),
        ModelAdapter.nullSafe(r.getBackendRefs()).stream()
            .map(b -> new HttpRuleView.Backend(ModelAdapter.httpBackendRef(b), filters(b.getFilters()))).toList(),
        timeouts == null ? null : timeouts.getRequest(),
        timeouts == null ? null : timeouts.getBackendRequest(),
        r.getRetry() != null, r.getSessionPersistence() != null);
  }

  private static HttpRuleView.Match match(HTTPRouteMatch m) {
    var path = m.getPath();
    return new HttpRuleView.Match(path == null ? null : path.getType(), path == null ? null : path.getValue(),
        ModelAdapter.nullSafe(m.getHeaders()).stream().map(h -> new HttpRuleView.Typed(h.getType(), h.getName(), h.getValue())).toList(),
        ModelAdapter.nullSafe(m.getQueryParams()).stream().map(q -> new HttpRuleView.Typed(q.getType(), q.getName(), q.getValue())).toList(),
        m.getMethod());
  }

  private static List<HttpRuleView.Filter> filters(List<HTTPRouteFilter> filters) {
    return ModelAdapter.nullSafe(filters).stream().map(f -> new HttpRuleView.Filter(f.getType(),
        headers(f.getRequestHeaderModifier()), headers(f.getResponseHeaderModifier()),
        f.getRequestRedirect() == null ? null : new HttpRuleView.Redirect(f.getRequestRedirect().getScheme(),
            f.getRequestRedirect().getHostname(), path(f.getRequestRedirect().getPath()), f.getRequestRedirect().getPort(),
            f.getRequestRedirect().getStatusCode()),
        f.getUrlRewrite() == null ? null : new HttpRuleView.Rewrite(f.getUrlRewrite().getHostname(), path(f.getUrlRewrite().getPath()))))
        .toList();
  }

  private static HttpRuleView.Headers headers(HTTPHeaderFilter h) {
    if (h == null) return null;
    return new HttpRuleView.Headers(
        ModelAdapter.nullSafe(h.getSet()).stream().map(x -> new HttpRuleView.Header(x.getName(), x.getValue())).toList(),
        ModelAdapter.nullSafe(h.getAdd()).stream().map(x -> new HttpRuleView.Header(x.getName(), x.getValue())).toList(),
        ModelAdapter.nullSafe(h.getRemove()));
  }

  private static HttpRuleView.PathModifier path(HTTPPathModifier p) {
    return p == null ? null : new HttpRuleView.PathModifier(p.getType(), p.getReplaceFullPath(), p.getReplacePrefixMatch());
  }
}
