package dev.passage.resources;

import dev.passage.collections.PersistentMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An immutable snapshot of every object Passage has seen, indexed for the rules. Applying a batch
 * of events returns a new snapshot that shares everything the batch did not touch with this one
 * (persistent maps: O(log n) per event, never a copy of the whole), and says what changed.
 * version counts the applied batches so actors can tell old from new.
 *
 * <p>A snapshot can also record what is read from it ({@link #reading}): every accessor notes the
 * {@link Input} it looked at, present or not. The controller keeps those reads as the
 * dependencies of each route and Gateway, and re-judges only the ones that read something a
 * batch changed.
 */
public final class ResourceIndex {
  public static final ResourceIndex EMPTY = new ResourceIndex(0, emptyKinds(), PersistentMap.empty(),
      PersistentMap.empty(), PersistentMap.empty(), PersistentMap.empty(), PersistentMap.empty(), PersistentMap.empty(), 0, null,
      new ConcurrentHashMap<>());

  /** One object that a batch changed: before or after is null when it was added or removed. */
  public record Change(ObjectKey key, Resource before, Resource after) {
    /** Everything this change may have changed for a reader. */
    public Set<Input> inputs() {
      Set<Input> out = new LinkedHashSet<>();
      out.add(key);
      out.add(new Input.AllOf(key.kind()));
      for (Resource r : new Resource[] {before, after}) {
        if (r instanceof ReferenceGrantView g) {
          for (ReferenceGrantView.To t : g.to()) out.add(new Input.Grants(key.namespace(), t.group(), t.kind()));
        } else if (r instanceof EndpointSliceView s && s.serviceName() != null) {
          out.add(new Input.Slices(new NamespacedName(key.namespace(), s.serviceName())));
        } else if (r instanceof BackendTlsPolicyView p) {
          for (NamespacedName svc : p.services()) out.add(new Input.Policies(svc));
        } else if (r instanceof RouteView route) {
          for (NamespacedName svc : route.backendServices()) out.add(new Input.BackendUsers(svc));
        } else if (r instanceof ListenerSetView ls && ls.parentGateway() != null) {
          out.add(new Input.ListenerSets(ls.parentGateway()));
        } else if (r instanceof TrafficPolicyView tp) {
          for (ObjectKey t : tp.targets()) out.add(new Input.TrafficPolicies(t));
        }
      }
      return out;
    }
  }

  /** A batch applied: the new snapshot, and the objects that really changed (an equal upsert is none). */
  public record Update(ResourceIndex after, List<Change> changes) {}

  private final long version;
  private final List<PersistentMap<ObjectKey, Resource>> byKind; // by Kind.ordinal()
  private final PersistentMap<NamespacedName, PersistentMap<ObjectKey, EndpointSliceView>> slicesByService;
  private final PersistentMap<String, PersistentMap<ObjectKey, ReferenceGrantView>> grantsByNamespace;
  private final PersistentMap<NamespacedName, PersistentMap<ObjectKey, BackendTlsPolicyView>> policiesByService;
  private final PersistentMap<NamespacedName, PersistentMap<ObjectKey, RouteView>> routesByService;
  private final PersistentMap<NamespacedName, PersistentMap<ObjectKey, ListenerSetView>> listenerSetsByGateway;
  private final PersistentMap<ObjectKey, PersistentMap<ObjectKey, TrafficPolicyView>> trafficPoliciesByTarget;
  private final int size;
  /** Where reads are recorded, or null. */
  private final Set<Input> reads;
  /** Values derived from this snapshot, computed once and shared by its readers. */
  private final ConcurrentHashMap<Object, Derived> derived;

  private record Derived(Object value, Set<Input> reads) {}

  private ResourceIndex(long version, List<PersistentMap<ObjectKey, Resource>> byKind,
                        PersistentMap<NamespacedName, PersistentMap<ObjectKey, EndpointSliceView>> slicesByService,
                        PersistentMap<String, PersistentMap<ObjectKey, ReferenceGrantView>> grantsByNamespace,
                        PersistentMap<NamespacedName, PersistentMap<ObjectKey, BackendTlsPolicyView>> policiesByService,
                        PersistentMap<NamespacedName, PersistentMap<ObjectKey, RouteView>> routesByService,
                        PersistentMap<NamespacedName, PersistentMap<ObjectKey, ListenerSetView>> listenerSetsByGateway,
                        PersistentMap<ObjectKey, PersistentMap<ObjectKey, TrafficPolicyView>> trafficPoliciesByTarget,
                        int size, Set<Input> reads, ConcurrentHashMap<Object, Derived> derived) {
    this.version = version;
    this.byKind = byKind;
    this.slicesByService = slicesByService;
    this.grantsByNamespace = grantsByNamespace;
    this.policiesByService = policiesByService;
    this.routesByService = routesByService;
    this.listenerSetsByGateway = listenerSetsByGateway;
    this.trafficPoliciesByTarget = trafficPoliciesByTarget;
    this.size = size;
    this.reads = reads;
    this.derived = derived;
  }

  private static List<PersistentMap<ObjectKey, Resource>> emptyKinds() {
    List<PersistentMap<ObjectKey, Resource>> kinds = new ArrayList<>();
    for (int i = 0; i < Kind.values().length; i++) kinds.add(PersistentMap.empty());
    return List.copyOf(kinds);
  }

  public long version() {
    return version;
  }

  /** A new index with these events applied, in order. */
  public ResourceIndex apply(List<ResourceEvent> events) {
    return update(events).after();
  }

  /** These events applied, in order, and what they changed (one Change per object, first before to last after). */
  public Update update(List<ResourceEvent> events) {
    List<PersistentMap<ObjectKey, Resource>> kinds = new ArrayList<>(byKind);
    var slices = slicesByService;
    var grants = grantsByNamespace;
    var policies = policiesByService;
    var users = routesByService;
    var sets = listenerSetsByGateway;
    var traffic = trafficPoliciesByTarget;
    int count = size;
    Map<ObjectKey, Resource[]> touched = new java.util.LinkedHashMap<>(); // key -> {first before, last after}
    for (ResourceEvent e : events) {
      if (e instanceof ResourceEvent.Synced) continue;
      ObjectKey key = e.key();
      PersistentMap<ObjectKey, Resource> m = kinds.get(key.kind().ordinal());
      Resource before = m.get(key);
      Resource after = e instanceof ResourceEvent.Upserted u ? u.resource() : null;
      if (before == null && after == null) continue;
      touched.computeIfAbsent(key, k -> new Resource[] {before, null})[1] = after;
      kinds.set(key.kind().ordinal(), m.with(key, after));
      count += (after == null ? 0 : 1) - (before == null ? 0 : 1);
      if (before instanceof EndpointSliceView s && s.serviceName() != null) slices = without(slices, service(s), key);
      if (after instanceof EndpointSliceView s && s.serviceName() != null) slices = with(slices, service(s), key, s);
      if (before instanceof ReferenceGrantView) grants = without(grants, key.namespace(), key);
      if (after instanceof ReferenceGrantView g) grants = with(grants, key.namespace(), key, g);
      if (before instanceof BackendTlsPolicyView p) for (NamespacedName svc : p.services()) policies = without(policies, svc, key);
      if (after instanceof BackendTlsPolicyView p) for (NamespacedName svc : p.services()) policies = with(policies, svc, key, p);
      if (before instanceof RouteView r) for (NamespacedName svc : r.backendServices()) users = without(users, svc, key);
      if (after instanceof RouteView r) for (NamespacedName svc : r.backendServices()) users = with(users, svc, key, r);
      if (before instanceof ListenerSetView ls && ls.parentGateway() != null) sets = without(sets, ls.parentGateway(), key);
      if (after instanceof ListenerSetView ls && ls.parentGateway() != null) sets = with(sets, ls.parentGateway(), key, ls);
      if (before instanceof TrafficPolicyView tp) for (ObjectKey t : tp.targets()) traffic = without(traffic, t, key);
      if (after instanceof TrafficPolicyView tp) for (ObjectKey t : tp.targets()) traffic = with(traffic, t, key, tp);
    }
    List<Change> changes = new ArrayList<>();
    touched.forEach((key, ba) -> {
      if (!java.util.Objects.equals(ba[0], ba[1])) changes.add(new Change(key, ba[0], ba[1]));
    });
    ResourceIndex next = new ResourceIndex(version + 1, List.copyOf(kinds), slices, grants, policies, users, sets, traffic,
        count, null, new ConcurrentHashMap<>());
    return new Update(next, List.copyOf(changes));
  }

  private static NamespacedName service(EndpointSliceView s) {
    return new NamespacedName(s.meta().namespace(), s.serviceName());
  }

  private static <G, V> PersistentMap<G, PersistentMap<ObjectKey, V>> with(PersistentMap<G, PersistentMap<ObjectKey, V>> groups,
                                                                         G group, ObjectKey key, V value) {
    return groups.put(group, groups.getOrDefault(group, PersistentMap.empty()).put(key, value));
  }

  private static <G, V> PersistentMap<G, PersistentMap<ObjectKey, V>> without(PersistentMap<G, PersistentMap<ObjectKey, V>> groups,
                                                                            G group, ObjectKey key) {
    PersistentMap<ObjectKey, V> rest = groups.getOrDefault(group, PersistentMap.empty()).remove(key);
    return rest.isEmpty() ? groups.remove(group) : groups.put(group, rest);
  }

  /** This snapshot, noting every input read from it into reads (for one judgement: not shared between threads). */
  public ResourceIndex reading(Set<Input> into) {
    return new ResourceIndex(version, byKind, slicesByService, grantsByNamespace, policiesByService, routesByService,
        listenerSetsByGateway, trafficPoliciesByTarget, size, into, derived);
  }

  private void read(Input input) {
    if (reads != null) reads.add(input);
  }

  /**
   * A value derived from this snapshot by fn, computed once per snapshot however many readers ask
   * (the port allocation of every Gateway, say); a recording reader is told what fn read.
   */
  @SuppressWarnings("unchecked")
  public <T> T derived(Object key, Function<ResourceIndex, T> fn) {
    Derived d = derived.computeIfAbsent(key, k -> {
      Set<Input> used = new LinkedHashSet<>();
      Object value = fn.apply(reading(used));
      return new Derived(value, Set.copyOf(used));
    });
    if (reads != null) reads.addAll(d.reads());
    return (T) d.value();
  }

  /** How many objects the index holds, of every kind. */
  public int size() {
    return size;
  }

  public Optional<Resource> get(ObjectKey key) {
    read(key);
    return Optional.ofNullable(byKind.get(key.kind().ordinal()).get(key));
  }

  /** Every object of a kind, ordered by namespace and name. */
  @SuppressWarnings("unchecked")
  public Collection<Resource> all(Kind kind) {
    read(new Input.AllOf(kind));
    return (List<Resource>) derived.computeIfAbsent(List.of("sorted", kind), k -> {
      List<Resource> sorted = new ArrayList<>(byKind.get(kind.ordinal()).values());
      sorted.sort(Comparator.comparing(Resource::key));
      return new Derived(List.copyOf(sorted), Set.of());
    }).value();
  }

  /** How many objects of a kind the index holds (nothing is recorded: for counts and logs). */
  public int count(Kind kind) {
    return byKind.get(kind.ordinal()).size();
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

  /** Every TLSRoute, HTTPRoute, TCPRoute and UDPRoute. */
  public List<RouteView> routes() {
    List<RouteView> out = new ArrayList<>();
    for (Resource r : all(Kind.TLS_ROUTE)) out.add((RouteView) r);
    for (Resource r : all(Kind.HTTP_ROUTE)) out.add((RouteView) r);
    for (Resource r : all(Kind.TCP_ROUTE)) out.add((RouteView) r);
    for (Resource r : all(Kind.UDP_ROUTE)) out.add((RouteView) r);
    return out;
  }

  public Optional<SecretView> secret(String namespace, String name) {
    return typed(Kind.SECRET, namespace, name);
  }

  public Optional<ConfigMapView> configMap(String namespace, String name) {
    return typed(Kind.CONFIG_MAP, namespace, name);
  }

  public List<GatewayClassView> gatewayClasses() {
    return all(Kind.GATEWAY_CLASS).stream().map(GatewayClassView.class::cast).toList();
  }

  /** The ReferenceGrants in a namespace that have a "to" of this group and kind, by name. */
  public List<ReferenceGrantView> grantsFor(String namespace, String toGroup, String toKind) {
    read(new Input.Grants(namespace, toGroup, toKind));
    List<ReferenceGrantView> out = new ArrayList<>();
    grantsByNamespace.getOrDefault(namespace, PersistentMap.empty()).forEach((k, g) -> {
      if (g.to().stream().anyMatch(t -> t.group().equals(toGroup) && t.kind().equals(toKind))) out.add(g);
    });
    out.sort(Comparator.comparing(Resource::key));
    return out;
  }

  /** The EndpointSlices labelled with a Service's name, by name. */
  public List<EndpointSliceView> endpointSlices(String namespace, String serviceName) {
    NamespacedName service = new NamespacedName(namespace, serviceName);
    read(new Input.Slices(service));
    List<EndpointSliceView> out = new ArrayList<>(slicesByService.getOrDefault(service, PersistentMap.empty()).values());
    out.sort(Comparator.comparing(Resource::key));
    return out;
  }

  /** The BackendTLSPolicies whose targetRefs name a Service, by name. */
  public List<BackendTlsPolicyView> backendTlsPolicies(String namespace, String serviceName) {
    NamespacedName service = new NamespacedName(namespace, serviceName);
    read(new Input.Policies(service));
    List<BackendTlsPolicyView> out = new ArrayList<>(policiesByService.getOrDefault(service, PersistentMap.empty()).values());
    out.sort(Comparator.comparing(Resource::key));
    return out;
  }

  /** The routes whose backendRefs name a Service, by kind, namespace and name. */
  public List<RouteView> routesNaming(String namespace, String serviceName) {
    NamespacedName service = new NamespacedName(namespace, serviceName);
    read(new Input.BackendUsers(service));
    List<RouteView> out = new ArrayList<>(routesByService.getOrDefault(service, PersistentMap.empty()).values());
    out.sort(Comparator.comparing(Resource::key));
    return out;
  }

  /**
   * The ListenerSets whose parentRef names a Gateway, in the order their listeners merge into it:
   * oldest first, then by namespace and name.
   */
  public List<ListenerSetView> listenerSets(NamespacedName gateway) {
    read(new Input.ListenerSets(gateway));
    List<ListenerSetView> out = new ArrayList<>(listenerSetsByGateway.getOrDefault(gateway, PersistentMap.empty()).values());
    out.sort(Comparator.comparing((ListenerSetView ls) -> ls.meta().creationTimestamp()).thenComparing(Resource::key));
    return out;
  }

  /** The TrafficPolicies whose targetRefs name an object (any sectionName), by namespace and name. */
  public List<TrafficPolicyView> trafficPolicies(ObjectKey target) {
    read(new Input.TrafficPolicies(target));
    List<TrafficPolicyView> out = new ArrayList<>(trafficPoliciesByTarget.getOrDefault(target, PersistentMap.empty()).values());
    out.sort(Comparator.comparing(Resource::key));
    return out;
  }

  public Optional<ListenerSetView> listenerSet(String namespace, String name) {
    return typed(Kind.LISTENER_SET, namespace, name);
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
