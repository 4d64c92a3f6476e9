package dev.passage.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode's source: fabric8 informers on every kind Passage reads, emitting the same
 * ResourceEvents as the folder source. For a kind served in several versions (TLSRoute v1,
 * v1alpha3, v1alpha2; one stored object) the newest served version is watched. A kind whose CRD
 * is missing is logged once and looked for again until it appears. Informers reconnect and
 * relist by themselves (410 Gone included); events are batched briefly so that a relist of many
 * objects makes one snapshot, not thousands.
 */
public final class KubernetesSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KubernetesSource.class);

  /**
   * One watched kind and its versions, newest first; only: one object of it by name, else every
   * one; namespace: the one namespace watched (passage.kubernetes.namespaces), null for all.
   */
  private record Watched(Kind kind, List<Class<? extends HasMetadata>> versions, NamespacedName only, String namespace) {
    Watched(Kind kind, List<Class<? extends HasMetadata>> versions) {
      this(kind, versions, null, null);
    }

    Watched(Kind kind, List<Class<? extends HasMetadata>> versions, NamespacedName only) {
      this(kind, versions, only, null);
    }
  }

  private static final List<Watched> WATCHED = List.of(
      new Watched(Kind.GATEWAY_CLASS, List.of(io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class,
          io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.GatewayClass.class)),
      new Watched(Kind.GATEWAY, List.of(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class,
          io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.Gateway.class)),
      new Watched(Kind.LISTENER_SET, List.of(io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSet.class)),
      new Watched(Kind.TLS_ROUTE, List.of(io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute.class,
          io.fabric8.kubernetes.api.model.gatewayapi.v1alpha3.TLSRoute.class,
          io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute.class)),
      new Watched(Kind.TCP_ROUTE, List.of(io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRoute.class,
          io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRoute.class)),
      new Watched(Kind.UDP_ROUTE, List.of(io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRoute.class,
          io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.UDPRoute.class)),
      new Watched(Kind.HTTP_ROUTE, List.of(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class,
          io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.HTTPRoute.class)),
      new Watched(Kind.REFERENCE_GRANT, List.of(io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant.class,
          io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class)),
      new Watched(Kind.BACKEND_TLS_POLICY, List.of(io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicy.class)),
      new Watched(Kind.TRAFFIC_POLICY, List.of(dev.passage.resources.api.TrafficPolicy.class)),
      new Watched(Kind.SERVICE, List.of(io.fabric8.kubernetes.api.model.Service.class)),
      new Watched(Kind.ENDPOINT_SLICE, List.of(io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice.class)),
      new Watched(Kind.NAMESPACE, List.of(io.fabric8.kubernetes.api.model.Namespace.class)),
      new Watched(Kind.SECRET, List.of(io.fabric8.kubernetes.api.model.Secret.class)),
      // CA bundles (frontend validation, BackendTLSPolicy): only ca.crt is kept, in the informer's cache too
      new Watched(Kind.CONFIG_MAP, List.of(io.fabric8.kubernetes.api.model.ConfigMap.class)));

  /** Every resource Passage watches, as "group/plural" ("" for the core group): RBAC must allow list and watch. */
  public static List<String> watchedResources() {
    List<String> out = new ArrayList<>();
    for (Watched w : WATCHED) {
      for (Class<? extends HasMetadata> v : w.versions()) {
        String r = HasMetadata.getGroup(v) + "/" + HasMetadata.getPlural(v);
        if (!out.contains(r)) out.add(r);
      }
    }
    return out;
  }

  private final KubernetesClient client;
  private final String controllerName;
  private final Duration resync;
  private final Duration batchWindow;
  private final Duration missingRetry;
  private final Consumer<List<ResourceEvent>> sink;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "passage-kubernetes-source");
    t.setDaemon(true);
    return t;
  });
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  /** Each running informer's kind, and whether its watch was up at the last look. */
  private final Map<SharedIndexInformer<?>, Kind> kinds = new ConcurrentHashMap<>();
  private final Map<SharedIndexInformer<?>, Boolean> watching = new ConcurrentHashMap<>();
  private final Map<Kind, String> servedVersions = new ConcurrentHashMap<>();
  private final List<ResourceEvent> pending = new ArrayList<>();
  /** Whether a flush of pending is scheduled (read and written on the source's thread only). */
  private boolean flushScheduled;
  /** Objects watched by name besides the kinds of WATCHED (the session-ticket Secret). */
  private final List<Watched> named = new ArrayList<>();

  /** The namespaces watched (empty: every one). */
  private final List<String> namespaces;

  /** controllerName: whose part of each status the watches report ({@link #observeStatuses}). */
  public KubernetesSource(KubernetesClient client, String controllerName, Duration resync, Duration batchWindow,
                          Duration missingRetry, Consumer<List<ResourceEvent>> sink) {
    this(client, controllerName, resync, batchWindow, missingRetry, sink, List.of());
  }

  /** namespaces: watch namespaced kinds in these only, one informer each (empty: in every namespace). */
  public KubernetesSource(KubernetesClient client, String controllerName, Duration resync, Duration batchWindow,
                          Duration missingRetry, Consumer<List<ResourceEvent>> sink, List<String> namespaces) {
    this.namespaces = List.copyOf(namespaces);
    this.client = client;
    this.controllerName = controllerName;
    this.resync = resync;
    this.batchWindow = batchWindow;
    this.missingRetry = missingRetry;
    this.sink = sink;
  }

  private volatile Consumer<Kind> onWatchFailure = kind -> {};
  private volatile Consumer<Kind> onListed = kind -> {};

  /** Told the kind of every list an informer completes: its first, and each relist. */
  public void onList(Consumer<Kind> listener) {
    this.onListed = listener;
  }

  /** Told the kind of every failed watch or list (the informer lists and watches again). */
  public void onWatchFailure(Consumer<Kind> listener) {
    this.onWatchFailure = listener;
  }

  /**
   * fabric8 reconnects a watch that ends by itself, silently (and lists again when the server
   * answers 410 Gone). Once a second, a watch found down that was up at the last look counts as a
   * failure of its kind, for the metrics.
   */
  private void lookAtWatches() {
    kinds.forEach((informer, kind) -> {
      boolean now = informer.isWatching();
      Boolean before = watching.put(informer, now);
      if (Boolean.TRUE.equals(before) && !now) onWatchFailure.accept(kind);
    });
  }

  /** The apiVersion watched for a kind ("gateway.networking.k8s.io/v1"), once its informer runs. */
  public Optional<String> servedVersion(Kind kind) {
    return Optional.ofNullable(servedVersions.get(kind));
  }

  /**
   * Also watches one Secret by name, whatever its type (the TLS Secret informer sees only type
   * kubernetes.io/tls): its events go with the others'. Called before {@link #start}.
   */
  public void watchSecret(NamespacedName secret) {
    named.add(new Watched(Kind.SECRET, List.of(io.fabric8.kubernetes.api.model.Secret.class), secret));
  }

  /**
   * Starts every informer; once each has listed its objects (or its CRD was found missing), the
   * collected objects are emitted followed by Synced. Runs in the background.
   */
  public void start() {
    thread.scheduleWithFixedDelay(this::lookAtWatches, 1, 1, TimeUnit.SECONDS);
    Thread starter = new Thread(() -> {
      List<Watched> watched = new ArrayList<>();
      for (Watched w : WATCHED) {
        if (namespaces.isEmpty() || !w.kind().namespaced()) watched.add(w);
        else for (String ns : namespaces) watched.add(new Watched(w.kind(), w.versions(), null, ns));
      }
      watched.addAll(named);
      CountDownLatch all = new CountDownLatch(watched.size());
      // every kind starts at once: an unreachable API server costs one timeout, not one per kind
      for (Watched w : watched) {
        Thread t = new Thread(() -> startFirstServed(w, all, true), "passage-informer-" + w.kind().kindName());
        t.setDaemon(true);
        t.start();
      }
      try {
        all.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      // An informer counts as synced once its store is filled, while its handlers may still be
      // catching up: emit every store's content before Synced, so that the first snapshot the
      // controller judges is complete (the handlers' own events repeat objects, harmlessly).
      synchronized (informers) {
        for (SharedIndexInformer<?> informer : informers) {
          Kind kind = kinds.get(informer);
          for (Object obj : informer.getStore().list()) upsert((HasMetadata) obj, kind);
        }
      }
      thread.execute(() -> {
        pending.add(new ResourceEvent.Synced());
        flush();
      });
      log.info("informers synced: {}", servedVersions);
    }, "passage-informer-start");
    starter.setDaemon(true);
    starter.start();
  }

  private void startFirstServed(Watched w, CountDownLatch synced, boolean first) {
    boolean unreachable = false;
    for (Class<? extends HasMetadata> version : w.versions()) {
      if (!served(version, w.kind(), w.namespace())) continue;
      SharedIndexInformer<? extends HasMetadata> informer = informer(version, w.kind(), w.only(), w.namespace());
      // known before the first event arrives: a status computed from it must find where to go
      if (w.only() == null) servedVersions.put(w.kind(), HasMetadata.getApiVersion(version));
      try {
        informer.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
        synchronized (informers) {
          informers.add(informer);
        }
        kinds.put(informer, w.kind());
        watching.put(informer, true);
        if (!first) log.info("{} is served now ({}): watching it", w.kind().kindName(), HasMetadata.getApiVersion(version));
        synced.countDown();
        return;
      } catch (Exception e) {
        informer.close();
        if (w.only() == null) servedVersions.remove(w.kind());
        if (!notServed(e)) {
          unreachable = true;
          log.warn("cannot watch {} ({}): {}", w.kind().kindName(), HasMetadata.getApiVersion(version), RootCause.message(e));
        }
      }
    }
    if (first) {
      if (unreachable) {
        log.warn("cannot watch {} yet; trying again every {} s", w.kind().kindName(), missingRetry.toSeconds());
      } else {
        log.warn("{} is not served by this cluster (is its CRD installed?); looking again every {} s",
            w.kind().kindName(), missingRetry.toSeconds());
      }
      synced.countDown(); // a missing kind does not hold the first table back
    }
    thread.schedule(() -> new Thread(() -> startFirstServed(w, new CountDownLatch(1), false)).start(),
        missingRetry.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Asks for one object of this version: a 404 means the cluster does not serve it. */
  private boolean served(Class<? extends HasMetadata> type, Kind kind, String namespace) {
    var options = new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L).build();
    try {
      if (kind.namespaced() && namespace != null) client.resources(type).inNamespace(namespace).list(options);
      else if (kind.namespaced()) client.resources(type).inAnyNamespace().list(options);
      else client.resources(type).list(options);
      return true;
    } catch (KubernetesClientException e) {
      if (notServed(e)) return false;
      return true; // another failure: let the informer try, and report what it finds
    }
  }

  private <T extends HasMetadata> SharedIndexInformer<T> informer(Class<T> type, Kind kind, NamespacedName only,
                                                                  String namespace) {
    var resources = client.resources(type);
    // a namespaced kind is watched in the one namespace given, else in every namespace
    FilterWatchListDeletable<T, KubernetesResourceList<T>, Resource<T>> scope =
        namespace == null ? resources.inAnyNamespace() : resources.inNamespace(namespace);
    SharedIndexInformer<T> informer;
    if (only != null) {
      informer = resources.inNamespace(only.namespace()).withName(only.name()).runnableInformer(resync.toMillis());
    } else if (kind == Kind.SECRET) {
      // only TLS Secrets (what certificateRefs name): Passage does not cache every Secret
      informer = scope.withField("type", "kubernetes.io/tls").runnableInformer(resync.toMillis());
    } else if (kind == Kind.CONFIG_MAP) {
      informer = scope.runnableInformer(resync.toMillis());
      @SuppressWarnings("unchecked")
      io.fabric8.kubernetes.client.informers.cache.ItemStore<T> caOnly =
          (io.fabric8.kubernetes.client.informers.cache.ItemStore<T>) new CaOnlyConfigMapStore();
      informer.itemStore(caOnly); // every ConfigMap of the cluster is watched: keep ca.crt alone
    } else if (kind.namespaced()) {
      informer = scope.runnableInformer(resync.toMillis());
    } else {
      informer = resources.runnableInformer(resync.toMillis());
    }
    informer.addEventHandler(new ResourceEventHandler<T>() {
      @Override
      public void onList(String resourceVersion, boolean initial) {
        onListed.accept(kind); // the first list, and every relist (after a 410 Gone, or a watch that could not resume)
      }

      @Override
      public void onAdd(T obj) {
        upsert(obj, kind);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        upsert(newObj, kind);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        String ns = kind.namespaced() ? obj.getMetadata().getNamespace() : "";
        ObjectKey key = ObjectKey.of(kind, ns, obj.getMetadata().getName());
        if (StatusPatcher.STATUS_KINDS.contains(kind)) observed(key, null);
        add(new ResourceEvent.Deleted(key));
      }
    });
    // once running, keep retrying whatever the error: the API server may be away for a while
    informer.exceptionHandler((started, t) -> {
      if (started) log.debug("watch of {} failed, retrying: {}", kind.kindName(), t.toString());
      onWatchFailure.accept(kind);
      return started;
    });
    return informer;
  }

  private volatile java.util.function.BiConsumer<ObjectKey, Integer> statusObserver = (k, s) -> {};
  /** The fingerprint of Passage's part of the status the server holds, per object of a kind whose status Passage writes. */
  private final Map<ObjectKey, Integer> serverStatuses = new ConcurrentHashMap<>();

  /**
   * Told, for each object of a kind whose status Passage writes, the fingerprint of Passage's part
   * of the status the server holds ({@link StoredStatus#ownedFingerprint}): first every one known
   * now, then each as a watch reports it. Closing the handle
   * stops it (a status writer that stops with its controller).
   */
  public synchronized AutoCloseable observeStatuses(java.util.function.BiConsumer<ObjectKey, Integer> observer) {
    serverStatuses.forEach(observer);
    this.statusObserver = observer;
    return () -> {
      synchronized (this) {
        if (statusObserver == observer) statusObserver = (k, st) -> {};
      }
    };
  }

  private void observed(ObjectKey key, Integer fingerprint) {
    synchronized (this) {
      if (fingerprint == null) serverStatuses.remove(key);
      else serverStatuses.put(key, fingerprint);
    }
    if (fingerprint != null) statusObserver.accept(key, fingerprint);
  }

  private void upsert(HasMetadata obj, Kind kind) {
    if (kind != null && StatusPatcher.STATUS_KINDS.contains(kind)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> status = (Map<String, Object>) client.getKubernetesSerialization()
          .convertValue(obj, java.util.Map.class).get("status");
      String ns = kind.namespaced() ? obj.getMetadata().getNamespace() : "";
      observed(ObjectKey.of(kind, ns, obj.getMetadata().getName()), StoredStatus.ownedFingerprint(kind, controllerName, status));
    }
    try {
      ModelAdapter.toView(obj, "default").ifPresent(v -> add(new ResourceEvent.Upserted(v)));
    } catch (RuntimeException e) {
      log.warn("cannot read {} {}/{}: {}", obj.getKind(), obj.getMetadata().getNamespace(), obj.getMetadata().getName(),
          e.getMessage());
    }
  }

  private void add(ResourceEvent e) {
    thread.execute(() -> {
      pending.add(e);
      scheduleFlush();
    });
  }

  /**
   * Events within one batch window make one batch, flushed at the window's next tick: a timer only
   * while something waits (an idle node's thread sleeps; it woke 20 times a second when the flush
   * ran on a fixed rate), on a grid of the window's length, so an event waits half a window on
   * average, as with a fixed rate.
   */
  private void scheduleFlush() {
    if (flushScheduled) return;
    flushScheduled = true;
    long window = batchWindow.toNanos();
    thread.schedule(this::flush, window - Math.floorMod(System.nanoTime(), window), TimeUnit.NANOSECONDS);
  }

  private void flush() {
    flushScheduled = false;
    if (pending.isEmpty()) return;
    List<ResourceEvent> batch = new ArrayList<>(pending);
    pending.clear();
    sink.accept(batch);
  }

  private static boolean notServed(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && (k.getCode() == 404 || k.getCode() == 405)) return true;
    }
    return false;
  }

  @Override
  public void close() {
    synchronized (informers) {
      informers.forEach(SharedIndexInformer::close);
    }
    thread.shutdownNow();
  }
}
