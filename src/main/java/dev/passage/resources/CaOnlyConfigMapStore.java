package dev.passage.resources;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The ConfigMap informer's cache, keeping of each ConfigMap only what Passage reads: its identity
 * (name, namespace, uid, resourceVersion, generation, creation time, labels) and its ca.crt.
 * Passage watches every ConfigMap of the cluster for frontend validation's CA bundles; without this,
 * the informer would hold each one whole (data, annotations such as kubectl's last-applied
 * configuration, managed fields). The handlers still get the objects as the API server sent them.
 */
final class CaOnlyConfigMapStore implements ItemStore<ConfigMap> {
  private final Map<String, ConfigMap> items = new ConcurrentHashMap<>();

  @Override
  public String getKey(ConfigMap cm) {
    return Cache.metaNamespaceKeyFunc(cm);
  }

  @Override
  public ConfigMap put(String key, ConfigMap cm) {
    return items.put(key, stripped(cm));
  }

  static ConfigMap stripped(ConfigMap cm) {
    var m = cm.getMetadata();
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(m.getName()).withNamespace(m.getNamespace())
        .withUid(m.getUid()).withResourceVersion(m.getResourceVersion()).withGeneration(m.getGeneration())
        .withCreationTimestamp(m.getCreationTimestamp()).withLabels(m.getLabels());
    String ca = cm.getData() == null ? null : cm.getData().get("ca.crt");
    return new ConfigMapBuilder().withApiVersion(cm.getApiVersion()).withKind(cm.getKind()).withMetadata(meta.build())
        .withData(ca == null ? Map.of() : Map.of("ca.crt", ca)).build();
  }

  @Override
  public ConfigMap remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<ConfigMap> values() {
    return items.values().stream();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public ConfigMap get(String key) {
    return items.get(key);
  }
}
