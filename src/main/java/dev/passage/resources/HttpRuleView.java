package dev.passage.resources;

import java.util.List;

/**
 * One rule of an HTTPRoute as written: enum values stay strings, so that the rules can judge a
 * value Passage does not support (UnsupportedValue) instead of failing to read the object.
 */
public record HttpRuleView(String name, List<Match> matches, List<Filter> filters, List<Backend> backends,
                           String requestTimeout, String backendRequestTimeout, boolean retry,
                           boolean sessionPersistence) {
  public HttpRuleView {
    matches = List.copyOf(matches);
    filters = List.copyOf(filters);
    backends = List.copyOf(backends);
  }

  /** type null means the API's default (PathPrefix / Exact). */
  public record Match(String pathType, String pathValue, List<Typed> headers, List<Typed> queryParams, String method) {
    public Match {
      headers = List.copyOf(headers);
      queryParams = List.copyOf(queryParams);
    }
  }

  public record Typed(String type, String name, String value) {}

  /** A filter: its type, and the fields of the kinds Passage reads (the others are judged by type alone). */
  public record Filter(String type, Headers requestHeaders, Headers responseHeaders, Redirect redirect,
                       Rewrite rewrite) {}

  public record Headers(List<Header> set, List<Header> add, List<String> remove) {
    public Headers {
      set = List.copyOf(set);
      add = List.copyOf(add);
      remove = List.copyOf(remove);
    }
  }

  public record Header(String name, String value) {}

  public record PathModifier(String type, String replaceFullPath, String replacePrefixMatch) {}

  public record Redirect(String scheme, String hostname, PathModifier path, Integer port, Integer statusCode) {}

  public record Rewrite(String hostname, PathModifier path) {}

  public record Backend(RouteView.BackendRef ref, List<Filter> filters) {
    public Backend {
      filters = List.copyOf(filters);
    }
  }
}
