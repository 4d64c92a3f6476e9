package dev.passage.testkit;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * fabric8's CRUD dispatcher with an index by (resource, namespace, name): its own GET of one object
 * and the lookup under every PUT and PATCH scan every stored object, so with tens of thousands of
 * routes the mock API server's cost per request grows with them and dwarfs what it serves. The
 * index only short-cuts a lookup to the entry the scan would find (the same match is checked), and
 * falls back to the scan when it misses or is stale, so the results are the dispatcher's own.
 */
class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
  private final Map<String, AttributeSet> index = new ConcurrentHashMap<>();

  /** "plural|namespace|name", or null when the attributes do not name one object. */
  private static String keyOf(AttributeSet attributes) {
    String plural = value(attributes, "plural");
    String name = value(attributes, "name");
    if (plural == null || name == null) return null;
    String namespace = value(attributes, "namespace");
    return plural + "|" + (namespace == null ? "" : namespace) + "|" + name;
  }

  private static String value(AttributeSet attributes, String key) {
    Attribute a = attributes.getAttribute(key);
    return a == null || a.getValues().size() != 1 ? null : a.getValues().get(0).toString();
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
    String key = keyOf(query);
    if (key != null) {
      AttributeSet candidate = index.get(key);
      if (candidate != null && candidate.matches(query)) {
        String body = map.get(candidate);
        if (body != null) return Map.entry(candidate, body);
      }
    }
    Map.Entry<AttributeSet, String> found = super.findResource(query);
    if (found != null && key != null) index.put(key, found.getKey());
    return found;
  }

  @Override
  public MockResponse handleGet(String path) {
    if (!path.contains("watch=true")) {
      AttributeSet query = getKey(path);
      if (keyOf(query) != null) {
        Map.Entry<AttributeSet, String> found = findResource(query);
        return found != null ? new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(found.getValue())
            : new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND);
      }
    }
    return super.handleGet(path);
  }
}
