package dev.passage.testkit;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * fabric8's CRUD dispatcher with an index by (resource, namespace, name): its own GET of one object
 * and the lookup under every POST, PUT and PATCH scan every stored object, so with tens of thousands
 * of routes the mock API server's cost per request grows with them and dwarfs what it serves (50,000
 * creates took 20 minutes). Every write goes through {@link #processEvent}, which keeps the index;
 * a hit is checked with the scan's own match, and a miss is trusted only for a query that names a
 * namespace (a query without one may match a namespaced object of any namespace) while every stored
 * object has a key of its own in the index; otherwise the scan answers, so the results are the
 * dispatcher's own.
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
      // a miss is the scan's answer while every stored object is indexed under a key of its own
      if (candidate == null && value(query, "namespace") != null && index.size() == map.size()) return null;
    }
    Map.Entry<AttributeSet, String> found = super.findResource(query);
    if (found != null && key != null) index.put(key, found.getKey());
    return found;
  }

  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
      GenericKubernetesResource resource, String newState) {
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    String oldKey = oldAttributes == null ? null : keyOf(oldAttributes);
    if (oldKey != null) index.remove(oldKey);
    if (newState == null) return;
    // the attributes the dispatcher stored the new state under, computed as it computes them
    AttributeSet stored = resource != null ? ((KubernetesAttributesExtractor) attributeExtractor).extract(resource)
        : attributeExtractor.fromResource(newState);
    if (!stored.containsKey("plural")) stored = AttributeSet.merge(pathAttributes, stored);
    String newKey = keyOf(stored);
    if (newKey != null && map.containsKey(stored)) index.put(newKey, stored);
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
