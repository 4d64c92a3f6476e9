package dev.passage.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.passage.table.HttpFilters;
import org.junit.jupiter.api.Test;

/** The specification's ReplacePrefixMatch table and the redirect port rules (gateway-api-http.md 3.3, 3.4). */
class UrlChangesTest {
  static HttpFilters.PathChange prefix(String value) {
    return new HttpFilters.PathChange(HttpFilters.PathKind.PREFIX, value);
  }

  @Test
  void replacePrefixMatchAsTheSpecificationTabulatesIt() {
    for (String matched : new String[] {"/foo", "/foo/"}) {
      for (String replacement : new String[] {"/xyz", "/xyz/"}) {
        assertEquals("/xyz/bar", UrlChanges.path("/foo/bar", prefix(replacement), matched), matched + " -> " + replacement);
      }
    }
    assertEquals("/xyz", UrlChanges.path("/foo", prefix("/xyz"), "/foo"));
    assertEquals("/xyz/", UrlChanges.path("/foo/", prefix("/xyz"), "/foo"));
    assertEquals("/bar", UrlChanges.path("/foo/bar", prefix(""), "/foo"));
    for (String path : new String[] {"/foo/", "/foo"}) {
      for (String replacement : new String[] {"", "/"}) {
        assertEquals("/", UrlChanges.path(path, prefix(replacement), "/foo"), path + " with '" + replacement + "'");
      }
    }
    assertEquals("/one/two", UrlChanges.path("/prefix/one/two", prefix("/one"), "/prefix/one"));
    assertEquals("/three", UrlChanges.path("/strip-prefix/three", prefix("/"), "/strip-prefix"));
    assertEquals("/one", UrlChanges.path("/full/one/two", new HttpFilters.PathChange(HttpFilters.PathKind.FULL, "/one"), "/full"));
  }

  static HttpFilters.Redirect redirect(String scheme, Integer port) {
    return new HttpFilters.Redirect(scheme, null, null, port, 302);
  }

  @Test
  void redirectPortsAsTheConformanceTestsExpectThem() {
    // HTTP:80
    assertEquals("http://example.org/", UrlChanges.location(redirect(null, null), false, "example.org", 80, "/", null, "/"));
    assertEquals("http://example.org:8080/", UrlChanges.location(redirect(null, 8080), false, "example.org", 80, "/", null, "/"));
    assertEquals("https://example.org/", UrlChanges.location(redirect("https", null), false, "example.org", 80, "/", null, "/"));
    assertEquals("https://example.org:8443/", UrlChanges.location(redirect("https", 8443), false, "example.org", 80, "/", null, "/"));
    // HTTP:8080
    assertEquals("http://example.org:8080/", UrlChanges.location(redirect(null, null), false, "example.org", 8080, "/", null, "/"));
    assertEquals("http://example.org/", UrlChanges.location(redirect(null, 80), false, "example.org", 8080, "/", null, "/"));
    assertEquals("https://example.org/", UrlChanges.location(redirect("https", null), false, "example.org", 8080, "/", null, "/"));
    // HTTPS:443
    assertEquals("https://example.org/", UrlChanges.location(redirect(null, null), true, "example.org", 443, "/", null, "/"));
    assertEquals("https://example.org:8443/", UrlChanges.location(redirect(null, 8443), true, "example.org", 443, "/", null, "/"));
    assertEquals("http://example.org/", UrlChanges.location(redirect("http", null), true, "example.org", 443, "/", null, "/"));
    assertEquals("http://example.org:8080/", UrlChanges.location(redirect("http", 8080), true, "example.org", 443, "/", null, "/"));
    // the path modifier and the query
    HttpFilters.Redirect moved = new HttpFilters.Redirect(null, "other.example", prefix("/replacement-prefix"), null, 301);
    assertEquals("http://other.example/replacement-prefix/lemon?q=1",
        UrlChanges.location(moved, false, "example.org", 80, "/original-prefix/lemon", "q=1", "/original-prefix"));
  }
}
