package dev.passage;

import dev.passage.boot.StartupFailure;
import com.typesafe.config.Config;
import dev.passage.config.PassageSettings;
import dev.passage.control.ControllerRoot;
import dev.passage.control.ComputedStatuses;
import dev.passage.proxy.Capacity;
import dev.passage.proxy.ConnectionHandler;
import dev.passage.proxy.http.HttpService;
import dev.passage.proxy.io.BufferBudget;
import dev.passage.proxy.tls.ServerCertificates;
import dev.passage.proxy.tls.TlsProvider;
import dev.passage.resources.DirectorySource;
import dev.passage.resources.KubernetesSource;
import dev.passage.resources.ResourceCache;
import dev.passage.proxy.DataPlane;
import dev.passage.proxy.ListenerManager;
import dev.passage.proxy.io.IoLoops;
import dev.passage.proxy.io.IoLoopsDispatcher;
import dev.passage.proxy.io.NioTcp;
import dev.passage.table.CurrentTable;
import dev.passage.table.ReplicatedTables;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * One Passage node: a member of the Pekko cluster that serves every listener of every Gateway
 * from the replicated route tables, and may hold the control plane (a Cluster Singleton). Used by
 * main and by the tests alike. Standalone mode is a one-node cluster that joins itself.
 */
public final class PassageNode implements AutoCloseable {
  /** The data plane's dispatcher: I/O loops that watch the sockets and run the connections. */
  private static final String PROXY_DISPATCHER = "passage.proxy-dispatcher";

  private final ActorSystem<Void> system;
  private final List<AutoCloseable> afterStop;
  private final Uri management;
  private final Uri admin;

  private PassageNode(ActorSystem<Void> system, List<AutoCloseable> afterStop, Uri management, Uri admin) {
    this.system = system;
    this.afterStop = afterStop;
    this.management = management;
    this.admin = admin;
  }

  /** Standalone mode: serve the Gateway API objects in a folder of YAML. */
  public static PassageNode standalone(Config config, Path folder) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "passage", forJoinMode(config));
    DirectorySource source = null;
    try {
      PassageSettings settings = PassageSettings.from(system.settings().config());
      // one reader of the folder per node: it feeds the certificates this node serves, and the
      // controller when it runs here
      ResourceCache cache = new ResourceCache();
      ServerCertificates certificates = new ServerCertificates(tlsProvider(system), settings.sessionTicketSecret());
      cache.subscribe(certificates::changed);
      source = new DirectorySource(folder, settings.pollInterval(), settings.settleTime(), cache::accept);
      return start(system, settings, ControllerRoot.standalone(cache, settings, ComputedStatuses.get(system)),
          certificates, source::start, List.of(source));
    } catch (Exception | Error e) {
      if (source != null) source.close();
      stop(system);
      throw e;
    }
  }

  /**
   * Kubernetes mode: the control plane watches the API server through this client, keeps a
   * Service per Gateway and writes statuses back. The node owns the client and closes it.
   */
  public static PassageNode kubernetes(Config config, KubernetesClient client) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "passage", forJoinMode(config));
    ExecutorService blocking = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "passage-kubernetes-io");
      t.setDaemon(true);
      return t;
    });
    KubernetesSource source = null;
    try {
      PassageSettings settings = PassageSettings.from(system.settings().config());
      PassageSettings.Kubernetes k8s = settings.kubernetes();
      // every node watches everything itself: the TLS Secrets it serves (route tables name them,
      // keys never cross the cluster), and every other kind, so that the controller starting here
      // (or moving here) judges from a full cache at once
      ResourceCache cache = new ResourceCache();
      ServerCertificates certificates = new ServerCertificates(tlsProvider(system), settings.sessionTicketSecret());
      cache.subscribe(certificates::changed);
      source = new KubernetesSource(client, settings.controllerName(), k8s.resync(), k8s.batchWindow(),
          k8s.missingKindRetry(), cache::accept, k8s.namespaces());
      settings.sessionTicketSecret().ifPresent(source::watchSecret); // whatever its type
      dev.passage.control.ControlMetrics metrics = dev.passage.control.ControlMetrics.get(system);
      source.onWatchFailure(kind -> metrics.watchFailed(kind.kindName()));
      source.onList(kind -> metrics.listed(kind.kindName()));
      return start(system, settings,
          ControllerRoot.kubernetes(client, cache, source, settings, ComputedStatuses.get(system), blocking),
          certificates, source::start, List.of(blocking::shutdownNow, source, client));
    } catch (Exception | Error e) {
      blocking.shutdownNow();
      if (source != null) source.close();
      client.close();
      stop(system);
      throw e;
    }
  }

  /** passage.tls.provider, resolved on this machine (auto: BoringSSL where it loads); one line says which. */
  private static TlsProvider tlsProvider(ActorSystem<Void> system) {
    TlsProvider provider = TlsProvider.fromSetting(system.settings().config().getString("passage.tls.provider"));
    system.log().info("TLS is terminated by {}", provider.describe());
    return provider;
  }

  /**
   * Pekko's settings that follow from how this node joins: Cluster Bootstrap's HTTP routes only
   * when bootstrapping; and a cluster of one (join = self) keeps Pekko Cluster's membership lines
   * (joining itself, leader, Up, "No seed nodes found ..., relying on Cluster Bootstrap") out of
   * the log, where they would only puzzle a newcomer.
   */
  static Config forJoinMode(Config config) {
    String join = config.getString("passage.cluster.join");
    StringBuilder overrides = new StringBuilder();
    if (!join.equals("bootstrap")) overrides.append("pekko.management.http.routes.cluster-bootstrap = \"\"\n");
    if (join.equals("self")) overrides.append("pekko.cluster.log-info = off\n");
    return com.typesafe.config.ConfigFactory.parseString(overrides.toString()).withFallback(config);
  }

  /** startSource: starts this node's source, once management is bound. */
  private static PassageNode start(ActorSystem<Void> system, PassageSettings settings,
                                   Behavior<ControllerRoot.Command> controlPlane, ServerCertificates certificates,
                                   Runnable startSource, List<AutoCloseable> afterStop)
      throws Exception {
    Uri uri = startManagement(system); // first: a node that cannot answer its health checks does nothing else
    List<AutoCloseable> adminBinding = new java.util.ArrayList<>();
    Uri adminUri = dev.passage.ops.AdminApi.onManagementPort(system.settings().config()) ? uri
        : startAdmin(system, adminBinding);
    startSource.run();
    CurrentTable table = CurrentTable.get(system);
    DataPlane dataPlane = DataPlane.get(system);
    dataPlane.useTlsProvider(certificates.provider());
    dataPlane.useSessionTickets(certificates::sessionTickets);
    IoLoops loops = new IoLoops("passage-io", settings.proxy().ioThreads());
    IoLoopsDispatcher.register(Adapter.toClassic(system), PROXY_DISPATCHER, loops);
    Capacity capacity = Capacity.of(settings.proxy().maxConnections(), Runtime.getRuntime().maxMemory(),
        openFilesLimit(), settings.proxy().clientHelloMaxBytes());
    if (capacity.lowered(settings.proxy().maxConnections())) system.log().warn("passage.proxy.max-connections: {}", capacity.why());
    else system.log().info("passage.proxy.max-connections {}: {}", capacity.maxConnections(), capacity.why());
    BufferBudget budget = dataPlane.useBufferBudget(capacity.bufferBudget());
    dev.passage.proxy.RouteMetrics routeMetrics = dataPlane.useRouteMetrics(settings.maxRouteSeries());
    NioTcp tcp = new NioTcp(Materializer.matFromSystem(system),
        system.dispatchers().lookup(DispatcherSelector.fromConfig(PROXY_DISPATCHER)), PROXY_DISPATCHER,
        (int) settings.proxy().readBufferBytes(), settings.proxy().sendTimeout(), budget);
    dev.passage.proxy.tls.BackendTlsClients backendTls = new dev.passage.proxy.tls.BackendTlsClients(certificates);
    ConnectionHandler handler = new ConnectionHandler(tcp, table::get, settings.proxy(), capacity.maxConnections(),
        dataPlane, budget, system.classicSystem().scheduler(), system.executionContext(), certificates, backendTls,
        new HttpService(system.classicSystem(), system.settings().config(), table::get, settings.proxy().accessLog(),
            tcp, PROXY_DISPATCHER, settings.proxy().connectTimeout(), routeMetrics, backendTls,
            dataPlane.metrics()::backendTlsFailed));
    // HTTPRoute backends' pools end before the actor system does: otherwise each pool with
    // connections logs an ERROR with a stack trace ("has shut down unexpectedly") at every stop
    org.apache.pekko.actor.CoordinatedShutdown.get(system.classicSystem()).addTask(
        org.apache.pekko.actor.CoordinatedShutdown.PhaseServiceStop(), "passage-http-pools",
        () -> org.apache.pekko.http.javadsl.Http.get(system.classicSystem()).shutdownAllConnectionPools()
            .thenApply(done -> org.apache.pekko.Done.getInstance()));
    java.time.Duration summaryEvery = settings.proxy().logSummaryInterval();
    org.apache.pekko.actor.Cancellable summaries = system.scheduler().scheduleAtFixedRate(summaryEvery, summaryEvery,
        handler::flushLogSummary, system.executionContext());
    dev.passage.proxy.UdpListeners udp = new dev.passage.proxy.UdpListeners(
        system.dispatchers().lookup(DispatcherSelector.fromConfig(PROXY_DISPATCHER)), table::get, settings.proxy(),
        dataPlane);
    ActorRef<ListenerManager.Command> listeners = system.systemActorOf(ListenerManager.create(tcp, udp, handler, dataPlane,
        settings.proxy().backlog(), settings.kubernetes().placement().bindAddress()), "listeners", Props.empty());
    CapForRoutes capForRoutes = new CapForRoutes(capacity, settings.proxy().maxConnections(), openFilesLimit(),
        settings.proxy().clientHelloMaxBytes(), handler, system.log());
    system.systemActorOf(ReplicatedTables.create(table, t -> {
      dataPlane.expectBindings(t.bindAddresses()); // readiness waits for the listeners to catch up
      routeMetrics.retain(t); // the series of a route that is gone go with it
      dataPlane.trafficPolicies().tableChanged(t); // health checks; connections whose route moved
      listeners.tell(new ListenerManager.Rebind(t.bindAddresses()));
      capForRoutes.accept(t.routeCount());
    }), "tables", Props.empty());

    String join = settings.clusterJoin();
    if (join.equals("self")) Cluster.get(system).manager().tell(Join.create(Cluster.get(system).selfMember().address()));
    ActorRef<ControllerRoot.Command> controller = ClusterSingleton.get(system)
        .init(SingletonActor.of(controlPlane, "passage-controller"));
    dev.passage.control.StatusPages.get(system).controller(controller); // /passage/status from any node

    if (join.equals("bootstrap")) ClusterBootstrap.get(Adapter.toClassic(system)).start();
    system.log().info("Passage is up: management on {}, cluster join by {}", uri, join);
    List<AutoCloseable> closing = new java.util.ArrayList<>(afterStop);
    closing.addAll(adminBinding);
    closing.add(summaries::cancel);
    closing.add(handler::flushLogSummary); // what the last interval saw
    closing.add(loops);
    closing.add(dataPlane.trafficPolicies());
    return new PassageNode(system, closing, uri, adminUri);
  }

  /**
   * The connection cap made again as the table's route count changes (a route takes heap too): a
   * change of 5% or more is applied and said in one INFO line.
   */
  private static final class CapForRoutes implements java.util.function.IntConsumer {
    private final Capacity start;
    private final int configured;
    private final long descriptors;
    private final int helloMaxBytes;
    private final ConnectionHandler handler;
    private final org.slf4j.Logger log;

    CapForRoutes(Capacity start, int configured, long descriptors, int helloMaxBytes, ConnectionHandler handler,
                 org.slf4j.Logger log) {
      this.start = start;
      this.configured = configured;
      this.descriptors = descriptors;
      this.helloMaxBytes = helloMaxBytes;
      this.handler = handler;
      this.log = log;
    }

    @Override
    public void accept(int routes) {
      Capacity now = start.forRoutes(configured, Runtime.getRuntime().maxMemory(), descriptors, helloMaxBytes, routes);
      int was = handler.maxConnections();
      if (Math.abs(now.maxConnections() - was) * 20 < was) return;
      handler.maxConnections(now.maxConnections());
      if (now.crowdedOut(start)) {
        log.warn("passage.proxy.max-connections {} now that the table holds {} routes: {}; the routes leave the "
                + "connections under a quarter of the heap's room: give the JVM more heap (-Xmx; about {} KiB a route)",
            now.maxConnections(), routes, now.why(), Capacity.BYTES_PER_ROUTE >> 10);
      } else {
        log.info("passage.proxy.max-connections {} now that the table holds {} routes: {}", now.maxConnections(), routes, now.why());
      }
    }
  }

  /** Health checks and Passage's routes; a port that cannot be bound stops the node (exit code 3). */
  private static Uri startManagement(ActorSystem<Void> system) throws Exception {
    try {
      return PekkoManagement.get(Adapter.toClassic(system)).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Config http = system.settings().config().getConfig("pekko.management.http");
      String port = http.hasPath("bind-port") && !http.getString("bind-port").isEmpty()
          ? http.getString("bind-port") : http.getString("port");
      throw cannotListen("management", dev.passage.ops.AdminApi.managementBindHost(system.settings().config()), port, e,
          "pekko.management.http.port");
    }
  }

  /**
   * The admin API's own binding (passage.admin), when the management port listens beyond loopback;
   * a port that cannot be bound stops the node as the management port's does (exit code 3).
   */
  private static Uri startAdmin(ActorSystem<Void> system, List<AutoCloseable> closing) throws Exception {
    Config admin = system.settings().config().getConfig("passage.admin");
    String host = admin.getString("hostname");
    int port = admin.getInt("port");
    org.apache.pekko.http.javadsl.server.Route route = dev.passage.ops.PassageRoutes.adminOnly(system).adminRoutes();
    try {
      org.apache.pekko.http.javadsl.ServerBinding binding = org.apache.pekko.http.javadsl.Http.get(system)
          .newServerAt(host, port).bind(route).toCompletableFuture().get(30, TimeUnit.SECONDS);
      closing.add(() -> binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS));
      int bound = binding.localAddress().getPort();
      system.log().info("admin API (/passage/routes, /passage/status) on {}:{}, the management port listening beyond loopback",
          host, bound);
      return Uri.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound);
    } catch (java.util.concurrent.ExecutionException e) {
      throw cannotListen("the admin API", host, String.valueOf(port), e, "passage.admin.port");
    }
  }

  /** Exit code 3 with one line: what could not listen where, the cause (without Pekko's "[...]" prefix), the setting. */
  private static StartupFailure cannotListen(String what, String host, String port, Exception e, String setting) {
    return new StartupFailure(StartupFailure.MANAGEMENT_PORT, "cannot listen for " + what + " on " + host + ":" + port
        + ": " + dev.passage.resources.RootCause.message(e).replaceFirst("^\\[[^\\]]*\\] ", "") + " (" + setting + ")");
  }

  /** Terminates the ActorSystem and waits for it (a node that failed to start: before the reason is printed). */
  private static void stop(ActorSystem<Void> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      system.log().warn("ActorSystem did not terminate cleanly: {}", e.toString());
    }
  }

  /** The process's open-files limit, or -1 where the JVM cannot tell. */
  private static long openFilesLimit() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public ComputedStatuses statuses() {
    return ComputedStatuses.get(system);
  }

  public CurrentTable table() {
    return CurrentTable.get(system);
  }

  public DataPlane dataPlane() {
    return DataPlane.get(system);
  }

  public Uri managementUri() {
    return management;
  }

  /** Where /passage/routes and /passage/status are served: the management port's, or the admin port's. */
  public Uri adminUri() {
    return admin;
  }

  /** Leaves the cluster (the singleton moves first), stops the node, then closes what it used. */
  @Override
  public void close() {
    stop(system);
    for (AutoCloseable c : afterStop) {
      try {
        c.close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(PassageNode.class).warn("closing {}: {}", c, e.toString());
      }
    }
  }
}
