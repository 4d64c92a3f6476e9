package dev.passage.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ConfigMap informer's cache keeps ca.crt and the identity, nothing else of a ConfigMap. */
class CaOnlyConfigMapStoreTest {
  @Test
  void aConfigMapIsKeptWithItsCaAloneAndWhatIdentifiesIt() {
    ConfigMap big = new ConfigMapBuilder().withNewMetadata().withName("client-ca").withNamespace("team-a")
        .withUid("u-1").withResourceVersion("42").withCreationTimestamp("2026-12-03T00:00:00Z").withLabels(Map.of("a", "b"))
        .withAnnotations(Map.of("kubectl.kubernetes.io/last-applied-configuration", "x".repeat(100_000)))
        .endMetadata()
        .withData(Map.of("ca.crt", "PEM", "dashboard.json", "y".repeat(500_000))).build();
    CaOnlyConfigMapStore store = new CaOnlyConfigMapStore();
    String key = store.getKey(big);
    assertEquals("team-a/client-ca", key);
    assertNull(store.put(key, big));
    ConfigMap kept = store.get(key);
    assertEquals(Map.of("ca.crt", "PEM"), kept.getData());
    assertEquals(null, kept.getMetadata().getAnnotations() == null || kept.getMetadata().getAnnotations().isEmpty() ? null : "annotations");
    assertEquals("42", kept.getMetadata().getResourceVersion(), "the informer compares resource versions");
    assertEquals("u-1", kept.getMetadata().getUid());
    assertEquals(Map.of("a", "b"), kept.getMetadata().getLabels());
    // what Passage reads from it is the same as from the whole object
    assertEquals(ModelAdapter.toView(big, "default"), ModelAdapter.toView(kept, "default"));

    ConfigMap noCa = new ConfigMapBuilder().withNewMetadata().withName("other").withNamespace("team-a").endMetadata()
        .withData(Map.of("k", "v")).build();
    store.put(store.getKey(noCa), noCa);
    assertEquals(Map.of(), store.get("team-a/other").getData());
    assertEquals(2, store.size());
    assertEquals(kept, store.remove(key));
    assertEquals(1, store.size());
  }
}
