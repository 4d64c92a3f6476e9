package dev.passage.proxy;

import dev.passage.config.PassageSettings;
import dev.passage.proxy.io.BufferBudget;
import dev.passage.proxy.io.NioTcp;
import dev.passage.proxy.tls.FirstPull;
import dev.passage.proxy.tls.ServerCertificates;
import dev.passage.proxy.tls.TlsStage;
import dev.passage.resources.NamespacedName;
import dev.passage.table.BackendTls;
import dev.passage.table.ResolvedBackend;
import dev.passage.table.BindAddress;
import dev.passage.table.ListenerTable;
import dev.passage.table.RouteTable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContext;

/**
 * Makes the stage that serves one accepted client connection ({@link ProxyConnection}), and
 * records each connection once, when it ends: the counters, the open-connection count and the
 * access-log line. Holds what every connection shares: the settings, the route table reference,
 * this node's {@link DataPlane}.
 */
public final class ConnectionHandler {
  private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
  private static final Logger access = LoggerFactory.getLogger("passage.access");
  /** How long a connection refused at the cap is drained after its FIN, so that it ends without a reset. */
  private static final Duration REFUSAL_LINGER = Duration.ofSeconds(1);

  /** What a connection reports when it ends; refusal is null for a connection that was relayed. */
  record Ended(InetSocketAddress client, BindAddress bind, String sni, String route, String backend,
               ResolvedBackend.Endpoint endpoint, ProxyMetrics.Refusal refusal, String reason, int helloBytes,
               int connectFailures, long bytesToBackend, long bytesToClient, long nanos, long id) {}

  /** This process's part of every connection id: ids differ between nodes and restarts. */
  private static final String ID_PREFIX = String.format("%08x", new java.security.SecureRandom().nextInt());
  private final java.util.concurrent.atomic.AtomicLong ids = new java.util.concurrent.atomic.AtomicLong();

  /** A connection's id as the access log and a PROXY header's UniqueID write it (0: none). */
  static String connectionId(long id) {
    return id == 0 ? null : ID_PREFIX + "-" + Long.toString(id, 36);
  }

  private final NioTcp tcp;
  private final Supplier<RouteTable> table;
  private final PassageSettings.Proxy settings;
  private final DataPlane dataPlane;
  private final ProxyMetrics metrics;
  private final Admission admission;
  private final BufferBudget budget;
  private final Scheduler scheduler;        // deadlines of connections that have no stream yet
  private final ServerCertificates certificates;
  private final dev.passage.proxy.tls.BackendTlsClients backendTls;
  private final HttpConnections http;
  private final ExecutionContext timerContext;
  private final RefusalLog refusals = new RefusalLog();

  public ConnectionHandler(NioTcp tcp, Supplier<RouteTable> table, PassageSettings.Proxy settings,
                           int maxConnections, DataPlane dataPlane, BufferBudget budget, Scheduler scheduler,
                           ExecutionContext timerContext, ServerCertificates certificates,
                           dev.passage.proxy.tls.BackendTlsClients backendTls, HttpConnections http) {
    this.tcp = tcp;
    this.backendTls = backendTls;
    this.http = http;
    this.certificates = certificates;
    this.scheduler = scheduler;
    this.timerContext = timerContext;
    this.budget = budget;
    this.table = table;
    this.settings = settings;
    this.dataPlane = dataPlane;
    this.metrics = dataPlane.metrics();
    this.admission = new Admission(maxConnections, settings.clientHelloTimeout(),
        settings.clientHelloTimeoutAtCap(), dataPlane.openConnectionCount());
  }

  /**
   * Takes one accepted connection. At max-connections the oldest connection still waiting for its
   * ClientHello is shed to make room; if there is none, this one is closed at once. Until its first
   * bytes arrive the connection is only watched (no stream: a silent flood costs little); the hello
   * deadline runs from here.
   */
  public void accept(BindAddress bind, NioTcp.Incoming incoming) {
    metrics.accepted.increment();
    long start = System.nanoTime();
    InetSocketAddress client = incoming.remoteAddress();
    if (!admission.admit()) {
      incoming.refuse(REFUSAL_LINGER);
      ended(refusedBeforeStream(client, bind, ProxyMetrics.Refusal.LIMIT, "the node holds passage.proxy.max-connections", start));
      return;
    }
    if (table.get().servesTcp(bind)) { // a TCP listener: routed now, the backend may speak first
      incoming.start(Flow.fromGraph(new ProxyConnection(this, bind, client, Admission.Waiting.none(), start, start, true,
          incoming::localAddress, ids.incrementAndGet())));
      return;
    }
    Duration deadline = admission.helloDeadline();
    long deadlineAt = start + deadline.toNanos();
    NioTcp.FirstBytes[] first = new NioTcp.FirstBytes[1];
    Cancellable[] timer = new Cancellable[1];
    Admission.Waiting waiting = admission.waitForHello(() -> {
      if (first[0].close()) {
        timer[0].cancel();
        ended(refusedBeforeStream(client, bind, ProxyMetrics.Refusal.SHED, ProxyConnection.SHED_REASON, start));
      }
    });
    timer[0] = scheduler.scheduleOnce(deadline, () -> {
      if (first[0].close()) {
        waiting.leave();
        ended(refusedBeforeStream(client, bind, ProxyMetrics.Refusal.TIMEOUT, "sent nothing before the ClientHello deadline", start));
      }
    }, timerContext);
    first[0] = incoming.whenReadable(() -> {
      timer[0].cancel(); // the stream keeps the deadline from here
      return Flow.fromGraph(new ProxyConnection(this, bind, client, waiting, start, deadlineAt, false, incoming::localAddress,
          ids.incrementAndGet()));
    });
  }

  private static Ended refusedBeforeStream(InetSocketAddress client, BindAddress bind, ProxyMetrics.Refusal refusal,
                                           String reason, long start) {
    return new Ended(client, bind, null, null, null, null, refusal, reason, 0, 0, 0, 0, System.nanoTime() - start, 0);
  }

  /** The per-connection limits (passage.proxy). */
  PassageSettings.Proxy settings() {
    return settings;
  }

  BufferBudget budget() {
    return budget;
  }

  RouteTable table() {
    return table.get();
  }

  /**
   * For a Terminate listener: the client's TLS bytes go into a server-side TLS engine, and the
   * plaintext to the TCP connection to one backend endpoint (and back), or, when a
   * BackendTLSPolicy covers the backend (tls not null), through a client-side TLS engine to it
   * (re-encrypted, presenting the Gateway's clientCertificate if it names one). onConnected runs
   * when that endpoint has accepted its TCP connection (the TLS stages pull before). A close_notify
   * or a FIN from either side ends the session both ways (no TLS half-close).
   */
  Flow<ByteString, ByteString, NotUsed> terminatedConnection(ResolvedBackend.Endpoint endpoint, SSLEngine engine,
                                                             Runnable onConnected, BackendTls tls,
                                                             NamespacedName clientCertificate, ByteString proxyHeader) {
    Flow<ByteString, ByteString, NotUsed> tcpToBackend = Flow.of(ByteString.class)
        .via(Flow.fromGraph(new FirstPull<ByteString>(onConnected)))
        .via(backendConnection(endpoint, proxyHeader)); // the header first on the TCP connection, under any backend TLS
    Flow<ByteString, ByteString, NotUsed> toBackend = tls == null ? tcpToBackend
        : TlsStage.client(backendTls.engine(tls, clientCertificate)).join(tcpToBackend);
    // where Pekko's TLS stage runs depends on the provider: see TlsStage
    return TlsStage.server(engine, certificates.provider()).reversed().join(TlsStage.sessionBytes().reversed().join(toBackend));
  }

  void backendTlsFailed() {
    metrics.backendTlsFailed();
  }

  /** Whether plain HTTP listeners are bound on this address (a connection not opening with a TLS record is theirs). */
  boolean servesPlainHttp(BindAddress bind) {
    return table.get().servesPlainHttp(bind);
  }

  /** A plain HTTP connection, served by Pekko HTTP with the routes of the address's HTTP listeners. */
  Flow<ByteString, ByteString, NotUsed> plainHttp(BindAddress bind, InetSocketAddress client) {
    return http.plain(bind, client);
  }

  /** An HTTPS connection: TLS terminated with this engine, then HTTP served for the SNI's listener. */
  Flow<ByteString, ByteString, NotUsed> https(BindAddress bind, InetSocketAddress client, String sni, SSLEngine engine) {
    return http.https(bind, client, sni, engine, certificates.provider());
  }

  /**
   * Whether a terminating listener can make a handshake now: a usable certificate, and a CA when
   * it validates clients (checked before connecting to a backend).
   */
  boolean canTerminate(ListenerTable.Termination terminate) {
    return certificates.canTerminate(terminate);
  }

  /**
   * The server engine for a terminating listener's handshake with this SNI, or empty when no
   * certificate is usable; the connection gives it back with {@link ServerCertificates#release}.
   */
  Optional<SSLEngine> serverEngine(ListenerTable.Termination terminate, String sni, ServerCertificates.Alpn alpn,
                                   long acceptedAtMillis) {
    return certificates.engine(terminate, sni, alpn, acceptedAtMillis, metrics::handshake);
  }

  /** The TCP connection to one backend endpoint, half-closing, with the connect timeout. */
  Flow<ByteString, ByteString, NotUsed> backendConnection(ResolvedBackend.Endpoint endpoint) {
    return tcp.outgoing(socketAddress(endpoint), settings.connectTimeout());
  }

  /**
   * The same, sending preamble (a PROXY protocol header; null: nothing) before the first byte
   * that comes in: the connection is connected when the socket has taken the preamble and pulls
   * again, as without one.
   */
  Flow<ByteString, ByteString, NotUsed> backendConnection(ResolvedBackend.Endpoint endpoint, ByteString preamble) {
    if (preamble == null) return backendConnection(endpoint);
    return Flow.of(ByteString.class).prepend(org.apache.pekko.stream.javadsl.Source.single(preamble))
        .via(backendConnection(endpoint));
  }

  TrafficPolicies trafficPolicies() {
    return dataPlane.trafficPolicies();
  }

  void ended(Ended e) {
    ended(e, null, false);
  }

  /** stats: the connection's route series, if it had one; opened: whether it counted itself open there. */
  void ended(Ended e, RouteMetrics.RouteStats stats, boolean opened) {
    dataPlane.openConnectionCount().decrementAndGet();
    metrics.record(e);
    if (stats != null) stats.ended(e, opened);
    if (settings.accessLog()) accessLog(e);
    if (e.refusal() != null) {
      refusals.note(e.refusal(), () -> "client=" + e.client() + " listener=" + e.bind() + " sni=" + e.sni()
          + (e.route() != null ? " route=" + e.route() : "") + ": " + e.reason());
    }
  }

  RouteMetrics.RouteStats routeStats(String gateway, String listener, String route, String backend) {
    return dataPlane.routeMetrics().stats(gateway, listener, route, backend);
  }

  /**
   * One line per connection: the text a terminal shows, and the same fields as key-value pairs
   * (client, listener, sni, route, backend, endpoint, bytes each way, duration, outcome, reason),
   * which the JSON log format writes as fields of their own.
   */
  private void accessLog(Ended e) {
    long ms = e.nanos() / 1_000_000;
    var line = access.atInfo();
    AccessLog.field(line, "id", connectionId(e.id()));
    AccessLog.field(line, "client", e.client());
    AccessLog.field(line, "listener", e.bind());
    AccessLog.field(line, "sni", e.sni());
    AccessLog.field(line, "route", e.route());
    AccessLog.field(line, "backend", e.backend());
    AccessLog.field(line, "endpoint", e.endpoint());
    line.addKeyValue("bytes_to_backend", e.bytesToBackend()).addKeyValue("bytes_to_client", e.bytesToClient())
        .addKeyValue("duration_ms", ms).addKeyValue("outcome", e.refusal() == null ? "routed" : e.refusal().label);
    AccessLog.field(line, "reason", e.reason());
    if (e.refusal() != null) {
      line.log("client={} listener={} sni={} rejected=\"{}\" ms={} id={}", e.client(), e.bind(), e.sni(), e.reason(), ms,
          connectionId(e.id()));
    } else {
      line.log("client={} listener={} sni={} route={} backend={} endpoint={} up={} down={} ms={} id={}", e.client(), e.bind(),
          e.sni(), e.route(), e.backend(), e.endpoint(), e.bytesToBackend(), e.bytesToClient(), ms, connectionId(e.id()));
    }
  }

  /** Logs what was refused since the last call, one line per reason (called every log-summary-interval). */
  public void flushLogSummary() {
    refusals.flush(settings.logSummaryInterval().toSeconds());
  }

  void logRouted(InetSocketAddress client, String sni, String route, String backend,
                 ResolvedBackend.Endpoint endpoint) {
    if (log.isDebugEnabled()) log.debug("{} sni={} route={} -> {} ({})", client, sni, route, backend, endpoint);
  }

  void logConnectRetry(InetSocketAddress client, String sni, ResolvedBackend.Endpoint endpoint, Throwable e) {
    refusals.noteConnectAttempt(() -> "client=" + client + " sni=" + sni + ": connect to "
        + endpoint + " failed (" + e.getMessage() + "), trying the next endpoint");
  }

  /** The reason recorded for a connection none of whose endpoints accepted. */
  static String noEndpoint(String backend, ResolvedBackend.Endpoint last, Throwable e) {
    return "no endpoint of " + backend + " accepted a connection (last " + last + ": " + e.getMessage() + ")";
  }

  /**
   * An IP literal (what EndpointSlices of type IPv4/IPv6 hold) needs no lookup; a name (an FQDN
   * EndpointSlice) is resolved here, through the JVM's resolver and its cache.
   */
  static InetSocketAddress socketAddress(ResolvedBackend.Endpoint endpoint) {
    return new InetSocketAddress(endpoint.host(), endpoint.port());
  }

  /** The cap on client connections, made again as the route table grows ({@link Capacity#forRoutes}). */
  public void maxConnections(int cap) {
    admission.cap(cap);
  }

  public int maxConnections() {
    return admission.cap();
  }
}
