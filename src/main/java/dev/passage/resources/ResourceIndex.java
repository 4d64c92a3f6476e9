package dev.passage.resources;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable snapshot of every object Passage has seen, indexed for the rules. Applying events
 * returns a new index; the version counts the applied batches so actors can tell old from new.
 */
public final class ResourceIndex {
  public static final ResourceIndex EMPTY = new ResourceIndex(0, new EnumMap<>(Kind.class));

  private final long version;
  private final Map<Kind, Map<ObjectKey, Resource>> byKind;
  private final Map<NamespacedName, List<EndpointSliceView>> slicesByService;

  private ResourceIndex(long version, Map<Kind, Map<ObjectKey, Resource>> byKind) {
    this.version = version;
    this.byKind = byKind;
    Map<NamespacedName, List<EndpointSliceView>> slices = new HashMap<>();
    for (Resource r : all(Kind.ENDPOINT_SLICE)) {
      EndpointSliceView s = (EndpointSliceView) r;
      if (s.serviceName() != null) {
        slices.computeIfAbsent(new NamespacedName(s.meta().namespace(), s.serviceName()), k -> new ArrayList<>()).add(s);
      }
    }
    this.slicesByService = slices;
  }

  public long version() {
    return version;
  }

  /** A new index with these events applied, in order. */
  public ResourceIndex apply(List<ResourceEvent> events) {
    Map<Kind, Map<ObjectKey, Resource>> next = new EnumMap<>(Kind.class);
    next.putAll(byKind);
    Map<Kind, TreeMap<ObjectKey, Resource>> copied = new EnumMap<>(Kind.class);
    for (ResourceEvent e : events) {
      if (e instanceof ResourceEvent.Synced) continue;
      Kind kind = e.key().kind();
      TreeMap<ObjectKey, Resource> m = copied.computeIfAbsent(kind,
          k -> new TreeMap<>(byKind.getOrDefault(k, Map.of())));
      if (e instanceof ResourceEvent.Upserted u) {
        m.put(u.key(), u.resource());
      } else {
        m.remove(e.key());
      }
    }
    copied.forEach((k, m) -> next.put(k, java.util.Collections.unmodifiableMap(m)));
    return new ResourceIndex(version + 1, next);
  }

  /** How many objects the index holds, of every kind. */
  public int size() {
    return byKind.values().stream().mapToInt(Map::size).sum();
  }

  public Optional<Resource> get(ObjectKey key) {
    return Optional.ofNullable(byKind.getOrDefault(key.kind(), Map.of()).get(key));
  }

  /** Every object of a kind, ordered by namespace and name. */
  public Collection<Resource> all(Kind kind) {
    return byKind.getOrDefault(kind, Map.of()).values();
  }

  @SuppressWarnings("unchecked")
  private <T extends Resource> Optional<T> typed(Kind kind, String namespace, String name) {
    return (Optional<T>) get(ObjectKey.of(kind, namespace, name));
  }

  public Optional<GatewayClassView> gatewayClass(String name) {
    return typed(Kind.GATEWAY_CLASS, "", name);
  }

  public Optional<GatewayView> gateway(String namespace, String name) {
    return typed(Kind.GATEWAY, namespace, name);
  }

  public Optional<ServiceView> service(String namespace, String name) {
    return typed(Kind.SERVICE, namespace, name);
  }

  public List<GatewayView> gateways() {
    return all(Kind.GATEWAY).stream().map(GatewayView.class::cast).toList();
  }

  /** Every TLSRoute and HTTPRoute. */
  public List<RouteView> routes() {
    List<RouteView> out = new ArrayList<>();
    for (Resource r : all(Kind.TLS_ROUTE)) out.add((RouteView) r);
    for (Resource r : all(Kind.HTTP_ROUTE)) out.add((RouteView) r);
    return out;
  }

  public Optional<SecretView> secret(String namespace, String name) {
    return typed(Kind.SECRET, namespace, name);
  }

  public List<GatewayClassView> gatewayClasses() {
    return all(Kind.GATEWAY_CLASS).stream().map(GatewayClassView.class::cast).toList();
  }

  public List<ReferenceGrantView> grantsIn(String namespace) {
    return byKind.getOrDefault(Kind.REFERENCE_GRANT, Map.of()).values().stream()
        .filter(r -> r.meta().namespace().equals(namespace))
        .map(ReferenceGrantView.class::cast).toList();
  }

  public List<EndpointSliceView> endpointSlices(String namespace, String serviceName) {
    return slicesByService.getOrDefault(new NamespacedName(namespace, serviceName), List.of());
  }

  /** The labels of a namespace; a namespace with no Namespace object has none. */
  public Map<String, String> namespaceLabels(String namespace) {
    // Kubernetes always labels a namespace with its name; YAML in a folder may not say so.
    Map<String, String> labels = new HashMap<>(this.<NamespaceView>typed(Kind.NAMESPACE, "", namespace)
        .map(n -> n.meta().labels()).orElse(Map.of()));
    labels.putIfAbsent("kubernetes.io/metadata.name", namespace);
    return labels;
  }
}
