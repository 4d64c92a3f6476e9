package dev.passage.table;

import java.util.List;

/**
 * The filters of a rule or of one backendRef. Each filter type may appear at most once (the API
 * forbids repeats), so a field per type says everything; null means absent. They apply in a fixed
 * order: a redirect answers at once; otherwise the URL is rewritten, then the request headers
 * are modified (on the request as rewritten), and the response headers on the way back.
 */
public record HttpFilters(HeaderEdits requestHeaders, HeaderEdits responseHeaders, Redirect redirect,
                          Rewrite rewrite) {
  public static final HttpFilters NONE = new HttpFilters(null, null, null, null);

  /** set replaces every value, add appends a value, remove deletes every value; names compare case-insensitively. */
  public record HeaderEdits(List<Header> set, List<Header> add, List<String> remove) {
    public HeaderEdits {
      set = List.copyOf(set);
      add = List.copyOf(add);
      remove = List.copyOf(remove);
    }
  }

  public record Header(String name, String value) {}

  /** FULL replaces the whole path; PREFIX replaces the part the rule's PathPrefix matched. */
  public enum PathKind { FULL, PREFIX }

  public record PathChange(PathKind kind, String value) {}

  /** Fields null when unset; statusCode defaults to 302. */
  public record Redirect(String scheme, String hostname, PathChange path, Integer port, int statusCode) {}

  public record Rewrite(String hostname, PathChange path) {}
}
