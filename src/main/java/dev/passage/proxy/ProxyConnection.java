package dev.passage.proxy;

import dev.passage.config.PassageSettings;
import dev.passage.proxy.io.SendTimeoutException;
import dev.passage.proxy.tls.ServerCertificates;
import dev.passage.table.ResolvedBackend;
import dev.passage.table.BindAddress;
import dev.passage.table.Decision;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One accepted client connection, as one stage: the client's bytes come in, the bytes for the
 * client go out. It is made when the client's first bytes arrive ({@link ConnectionHandler#accept}
 * watches a new connection without a stream until then), and moves through
 * <pre>
 *   PEEKING     read the ClientHello (bounded in bytes, records and time), look the SNI up
 *     |-- refused: close (FIN), nothing else is materialised
 *     |-- shed: a newcomer at the cap took this slot ({@link Admission}): close (FIN)
 *   CONNECTING  a TCP connection to an endpoint (an io/SocketStage fused into this interpreter);
 *     |          a failed connect tries the next endpoint (no byte has reached a backend yet)
 *   RELAYING    replay the hello unchanged, then relay both ways with backpressure and half-close;
 *               ends after idle-timeout without a byte, or client-fin / server-fin-timeout once a
 *               side has sent its FIN (a peer that stops reading: the socket's send timeout)
 * </pre>
 * It counts nothing while it runs: the outcome, the bytes and the access-log line are recorded
 * once, when the connection ends (postStop). The same phases serve every {@link Mode}: for
 * TERMINATE the "backend" flow is a TLS engine before the TCP connection; for HTTPS and HTTP it is
 * Pekko HTTP's server layer (proxy/http), connected at once, which sends each request on itself.
 * A TCP listener's connection (tcp) is made at accept and starts CONNECTING: its route is the
 * listener's, nothing is peeked, and either side may send first.
 */
final class ProxyConnection extends GraphStage<FlowShape<ByteString, ByteString>> {
  private enum Phase { PEEKING, CONNECTING, RELAYING }

  /**
   * What the client's bytes go to once peeked: a backend's TCP connection, still encrypted
   * (PASSTHROUGH) or decrypted here (TERMINATE); or Pekko HTTP serving HTTPRoutes, over TLS
   * terminated here (HTTPS) or plain (HTTP, for a connection that does not open with a TLS record
   * on an address with HTTP listeners).
   */
  private enum Mode { PASSTHROUGH, TERMINATE, HTTPS, HTTP }

  /** The first byte of a TLS handshake record. */
  private static final byte TLS_HANDSHAKE = 0x16;

  private static final String HELLO_DEADLINE = "hello";
  private static final String QUIET = "quiet";
  private static final String DRAIN = "drain";

  private final Inlet<ByteString> fromClient = Inlet.create("client.in");
  private final Outlet<ByteString> toClient = Outlet.create("client.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(fromClient, toClient);
  private final ConnectionHandler handler;
  private final BindAddress bind;
  private final InetSocketAddress client;
  private final Admission.Waiting waiting;
  private final long accepted;
  private final long helloDeadline;
  private final boolean tcp;
  private final java.util.function.Supplier<InetSocketAddress> local; // the address the client connected to
  private final long id; // this node's number for the connection: the access log's id, a PROXY header's UniqueID

  static final String SHED_REASON = "shed, still without a ClientHello, to admit a new client at the cap";

  /**
   * Made when the client's first bytes arrive. waiting: its place among the connections a newcomer
   * may shed; accepted and helloDeadline: System.nanoTime() of its accept and of its hello deadline.
   */
  ProxyConnection(ConnectionHandler handler, BindAddress bind, InetSocketAddress client, Admission.Waiting waiting,
                  long accepted, long helloDeadline, boolean tcp, java.util.function.Supplier<InetSocketAddress> local,
                  long id) {
    this.tcp = tcp;
    this.local = local;
    this.id = id;
    this.handler = handler;
    this.bind = bind;
    this.client = client;
    this.waiting = waiting;
    this.accepted = accepted;
    this.helloDeadline = helloDeadline;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }

  private final class Logic extends TimerGraphStageLogic {
    private Phase phase = Phase.PEEKING;
    private ClientHelloReader reader;
    // every byte until the hello is complete: the first chunk as it came, later ones copied into
    // one growing array (linear, however finely the client splits its hello)
    private ByteString firstChunk;
    private byte[] received;
    private int receivedLength;
    private long heldForHello; // what the kept bytes and the reader's copy count in the buffer budget
    private String sni;
    private String route;
    private dev.passage.resources.NamespacedName forwardRoute; // the route a Forward decision chose
    /** This connection's route series (null for HTTP, before a route is chosen, or with per-route metrics off). */
    private RouteMetrics.RouteStats routeStats;
    private String backend;
    private BackendChoice.Connect target;
    private dev.passage.table.ListenerTable.Termination terminate; // the certificates of TERMINATE and HTTPS
    private dev.passage.table.BackendTls backendTls; // TERMINATE to a backend a BackendTLSPolicy covers, else null
    private dev.passage.resources.NamespacedName clientCertificate; // the Gateway's, presented to backendTls
    private javax.net.ssl.SSLEngine engine; // TERMINATE and HTTPS: the handshake's, freed at the end
    private String alpn; // the first protocol the ClientHello offers (a PROXY header's ALPN)
    private dev.passage.table.ConnectionPolicy policy; // the route's TrafficPolicy over its listener's, or null
    private ConnectionLimits.Permit permit = ConnectionLimits.Permit.NONE; // its place under a maxConcurrent
    private dev.passage.table.BackendPolicy backendPolicy; // what TrafficPolicies ask of the chosen backend, or null
    private ByteString proxyHeader; // the PROXY protocol v2 header for the backend, made once
    private TrafficPolicies.Drainable drainable; // registered while relaying, when the route's policy drains
    private Mode mode = Mode.PASSTHROUGH;
    private ByteString helloToSend; // connected, the hello not yet handed on (a TLS stage pulls when it likes)
    private AsyncCallback<Integer> terminatedConnected;
    private int attempt;
    private SubSourceOutlet<ByteString> toBackend;
    private SubSinkInlet<ByteString> fromBackend;
    private boolean clientFinished; // the client sent FIN (while connecting: to be passed on once connected)
    private boolean backendFinished; // the backend sent FIN
    private long lastActivity;
    // what postStop records
    private final long start = accepted;
    private ProxyMetrics.Refusal refusal;
    private String refusalReason;
    private int helloBytes;
    private int connectFailures;
    private long bytesToBackend;
    private long bytesToClient;

    Logic() {
      super(shape);
      setHandler(fromClient, new AbstractInHandler() {
        @Override
        public void onPush() {
          ByteString chunk = grab(fromClient);
          if (phase == Phase.RELAYING) {
            bytesToBackend += chunk.size();
            lastActivity = System.nanoTime();
            toBackend.push(chunk);
          } else {
            peek(chunk);
          }
        }

        @Override
        public void onUpstreamFinish() {
          switch (phase) {
            case PEEKING -> refuse(ProxyMetrics.Refusal.CLOSED_EARLY, "client closed before its ClientHello was complete");
            case CONNECTING -> clientFinished = true;
            case RELAYING -> {
              clientFinished = true;
              toBackend.complete();
              rearmQuietTimer();
            }
          }
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          if (phase == Phase.PEEKING) refuse(ProxyMetrics.Refusal.CLOSED_EARLY, "client connection failed: " + ex.getMessage());
          else failStage(ex); // the backend connection is aborted too
        }
      });
      setHandler(toClient, new AbstractOutHandler() {
        @Override
        public void onPull() {
          if (phase == Phase.RELAYING && !fromBackend.hasBeenPulled() && !fromBackend.isClosed()) fromBackend.pull();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          completeStage(); // the client's connection is gone: so is everything else
        }
      });
    }

    @Override
    public void preStart() {
      terminatedConnected = createAsyncCallback(forAttempt -> {
        if (phase == Phase.CONNECTING && forAttempt == attempt) connected();
      });
      if (tcp) {
        routeTcp();
        return;
      }
      PassageSettings.Proxy limits = handler.settings();
      reader = new ClientHelloReader(limits.clientHelloMaxBytes(), limits.clientHelloMaxRecords());
      AsyncCallback<Boolean> shed = createAsyncCallback(ignored -> {
        if (phase == Phase.PEEKING) refuse(ProxyMetrics.Refusal.SHED, SHED_REASON);
      });
      waiting.onShed(() -> shed.invoke(Boolean.TRUE));
      if (waiting.wasShed()) { // shed while its stream was being made
        refuse(ProxyMetrics.Refusal.SHED, SHED_REASON);
        return;
      }
      scheduleOnce(HELLO_DEADLINE, java.time.Duration.ofNanos(Math.max(0, helloDeadline - System.nanoTime())));
      pull(fromClient);
    }

    private void peek(ByteString chunk) {
      if (firstChunk == null && received == null && chunk.apply(0) != TLS_HANDSHAKE && handler.servesPlainHttp(bind)) {
        if (!helloWaitOver()) return; // Pekko HTTP's own timeouts bound the request from here
        firstChunk = chunk;
        serveHttp(Mode.HTTP);
        return;
      }
      keep(chunk);
      // the kept bytes (their array) and, at most as many, the reader's copy of the handshake
      long held = received != null ? (long) received.length + receivedLength : 2L * firstChunk.size();
      handler.budget().hold(held - heldForHello);
      heldForHello = held;
      ClientHello.Result r = reader.feed(chunk);
      if (r instanceof ClientHello.Parsed p) {
        reader = null;
        if (!helloWaitOver()) return;
        helloBytes = p.handshakeBytes();
        alpn = p.alpn();
        route(p.sni());
      } else if (r instanceof ClientHello.Invalid i) {
        refuse(ProxyMetrics.Refusal.NOT_A_CLIENT_HELLO, i.reason());
      } else {
        pull(fromClient);
      }
    }

    /**
     * The connection has what it waited for: no more hello deadline, no longer a candidate for
     * shedding. False (and refused) when a newcomer shed it a moment before.
     */
    private boolean helloWaitOver() {
      cancelTimer(HELLO_DEADLINE);
      if (waiting.leave()) return true;
      refuse(ProxyMetrics.Refusal.SHED, SHED_REASON);
      return false;
    }

    /** HTTP or HTTPS: Pekko HTTP serves the connection, each request routed on its own. */
    private void serveHttp(Mode http) {
      mode = http;
      route = http == Mode.HTTP ? "http" : "https";
      phase = Phase.CONNECTING;
      connect();
    }

    private void keep(ByteString chunk) {
      if (firstChunk == null && received == null) {
        firstChunk = chunk;
        return;
      }
      if (received == null) {
        received = new byte[Math.max(1024, 2 * (firstChunk.size() + chunk.size()))];
        firstChunk.asByteBuffer().get(received, 0, firstChunk.size());
        receivedLength = firstChunk.size();
        firstChunk = null;
      }
      if (receivedLength + chunk.size() > received.length) {
        received = java.util.Arrays.copyOf(received, Math.max(2 * received.length, receivedLength + chunk.size()));
      }
      chunk.asByteBuffer().get(received, receivedLength, chunk.size());
      receivedLength += chunk.size();
    }

    private void route(String name) {
      sni = name;
      if (name == null) {
        refuse(ProxyMetrics.Refusal.NO_SNI, "ClientHello has no SNI");
        return;
      }
      dev.passage.table.RouteTable table = handler.table();
      Decision decision = table.lookup(bind, name);
      if (decision instanceof Decision.Reject r) {
        refuse(ProxyMetrics.Refusal.NO_ROUTE, r.reason());
        return;
      }
      if (decision instanceof Decision.ServeHttps https) {
        terminate = https.terminate();
        if (refusedWithoutCertificate(https.listener())) return;
        if (https.policy() != null && refusedByLimits(https.policy(), null)) return;
        serveHttp(Mode.HTTPS);
        return;
      }
      forward((Decision.Forward) decision, table);
    }

    /** A TCP listener's connection: its route, chosen at accept. */
    private void routeTcp() {
      dev.passage.table.RouteTable table = handler.table();
      Decision decision = table.lookupWholePort(bind);
      if (decision instanceof Decision.Reject r) {
        refuse(ProxyMetrics.Refusal.NO_ROUTE, r.reason());
        return;
      }
      forward((Decision.Forward) decision, table);
    }

    /** To a route's backend: chosen by weight, then connected (a refused share is closed at once). */
    private void forward(Decision.Forward forward, dev.passage.table.RouteTable table) {
      route = forward.route().route().toString();
      forwardRoute = forward.route().route();
      terminate = forward.terminate();
      if (terminate != null) mode = Mode.TERMINATE;
      if (terminate != null && refusedWithoutCertificate(forward.listener())) return;
      policy = forward.policy();
      if (policy != null && refusedByLimits(policy, forward)) return;
      TrafficPolicies policies = handler.trafficPolicies();
      BackendChoice.Outcome outcome = BackendChoice.choose(forward.route().backends(), k -> {
            dev.passage.table.EndpointsEntry e = table.endpointsEntry(k);
            if (e == null) return java.util.List.of();
            return e.policy() == null ? e.endpoints() : policies.health.usable(k, e.endpoints(), e.policy());
          }, ThreadLocalRandom.current());
      if (outcome instanceof BackendChoice.Reject r) {
        routeStats = handler.routeStats(forward.gateway(), forward.listener(), route, null);
        refuse(ProxyMetrics.Refusal.BACKEND, "route " + route + ": " + r.reason());
        return;
      }
      target = (BackendChoice.Connect) outcome;
      backend = target.backend().name();
      backendPolicy = table.backendPolicy(target.backend().service());
      routeStats = handler.routeStats(forward.gateway(), forward.listener(), route, backend);
      if (terminate != null) { // re-encrypted when a BackendTLSPolicy covers the backend (meaningless for passthrough)
        backendTls = table.backendTls(target.backend().service()); // the snapshot the route came from
        if (backendTls != null && !backendTls.usable()) {
          refuse(ProxyMetrics.Refusal.BACKEND_TLS, "route " + route + ": " + backendTls.refusal());
          return;
        }
        if (backendTls != null) clientCertificate = table.backendClientCertificate(forward.gateway());
      }
      phase = Phase.CONNECTING;
      connect();
    }

    /**
     * Refuses (and says true) when a TrafficPolicy limit of the route, its listener or its Gateway
     * is reached on this node; else the connection holds its place until it ends.
     */
    private boolean refusedByLimits(dev.passage.table.ConnectionPolicy limits, Decision.Forward forward) {
      ConnectionLimits.Outcome o = handler.trafficPolicies().limits.acquire(limits);
      if (o.permit() != null) {
        permit = o.permit();
        return false;
      }
      if (forward != null) routeStats = handler.routeStats(forward.gateway(), forward.listener(), route, null);
      refuse(ProxyMetrics.Refusal.POLICY_LIMIT, (route == null ? "" : "route " + route + ": ") + o.refusal());
      return true;
    }

    /** The PROXY protocol v2 header for this connection's backend, when its TrafficPolicy asks for one (else null). */
    private ByteString proxyHeader() {
      if (backendPolicy == null || !backendPolicy.proxyProtocol()) return null;
      if (proxyHeader == null) {
        java.util.List<ProxyProtocolV2.Tlv> tlvs = new java.util.ArrayList<>();
        for (String t : backendPolicy.proxyProtocolTlvs()) {
          switch (t) {
            case dev.passage.table.BackendPolicy.AUTHORITY -> { if (sni != null) tlvs.add(ProxyProtocolV2.Tlv.authority(sni)); }
            case dev.passage.table.BackendPolicy.ALPN -> { if (alpn != null) tlvs.add(ProxyProtocolV2.Tlv.alpn(alpn)); }
            case dev.passage.table.BackendPolicy.UNIQUE_ID -> tlvs.add(ProxyProtocolV2.Tlv.uniqueId(ConnectionHandler.connectionId(id)));
            default -> { }
          }
        }
        proxyHeader = ProxyProtocolV2.header(client, local.get(), tlvs);
      }
      return proxyHeader;
    }

    /**
     * Connects to endpoint number attempt; the first pull of the backend's input means connected,
     * a failure before it means this endpoint did not accept (ConnectException).
     */
    private void connect() {
      toBackend = new SubSourceOutlet<>("backend.out");
      fromBackend = new SubSinkInlet<>("backend.in");
      toBackend.setHandler(new AbstractOutHandler() {
        @Override
        public void onPull() {
          if (phase == Phase.CONNECTING) {
            // the socket pulls once connected; a TLS stage before a backend pulls at once, so
            // TERMINATE waits for its backend's FirstPull (HTTP and HTTPS are connected at once)
            if (mode == Mode.PASSTHROUGH) connected();
          } else if (helloToSend != null) {
            sendHello();
          } else if (!hasBeenPulled(fromClient) && !isClosed(fromClient)) {
            pull(fromClient);
          }
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          // the backend takes no more bytes; while connecting, fromBackend's failure decides
          if (phase == Phase.RELAYING && !isClosed(fromClient)) cancel(fromClient);
        }
      });
      fromBackend.setHandler(new AbstractInHandler() {
        @Override
        public void onPush() {
          ByteString bytes = fromBackend.grab();
          bytesToClient += bytes.size();
          lastActivity = System.nanoTime();
          push(toClient, bytes);
        }

        @Override
        public void onUpstreamFinish() {
          complete(toClient); // the backend sent FIN: so does the client's side (half-close)
          backendFinished = true;
          rearmQuietTimer();
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          if (phase == Phase.CONNECTING && target != null) connectFailed(ex);
          else if (ex instanceof SendTimeoutException) completeStage(); // the backend stopped reading: FIN to the client
          else if (backendTls == null || !backendTlsFailed(ex)) failStage(ex);
        }
      });
      org.apache.pekko.stream.javadsl.Flow<ByteString, ByteString, ?> backendFlow = switch (mode) {
        case PASSTHROUGH -> handler.backendConnection(target.endpoints().get(attempt));
        case TERMINATE -> {
          int thisAttempt = attempt;
          yield handler.terminatedConnection(target.endpoints().get(attempt), newEngine(ServerCertificates.Alpn.NONE),
              () -> terminatedConnected.invoke(thisAttempt), backendTls, clientCertificate, proxyHeader());
        }
        case HTTPS -> handler.https(bind, client, sni, newEngine(ServerCertificates.Alpn.HTTP));
        case HTTP -> handler.plainHttp(bind, client);
      };
      Source.fromGraph(toBackend.source())
          .via(backendFlow)
          .to(fromBackend.sink())
          .run(subFusingMaterializer());
      // Pekko HTTP reads its input only once its output is wanted: nothing to wait for here
      if (mode == Mode.HTTP || mode == Mode.HTTPS) connected();
    }

    /** Refuses (and says true) when the terminating listener cannot make a handshake now: no usable certificate, or no CA. */
    private boolean refusedWithoutCertificate(String listener) {
      if (handler.canTerminate(terminate)) return false;
      refuse(ProxyMetrics.Refusal.NO_CERTIFICATE, "listener " + listener + " has no usable certificate, or no CA to validate clients with");
      return true;
    }

    /**
     * Whether a backend stream's failure is its TLS handshake's (its certificate, or ours,
     * refused): the client's session then ends, counted as such.
     */
    private boolean backendTlsFailed(Throwable ex) {
      String why = dev.passage.proxy.tls.BackendTlsClients.tlsFailure(ex);
      if (why == null) return false;
      handler.backendTlsFailed();
      refuse(ProxyMetrics.Refusal.BACKEND_TLS, "route " + route + ": TLS to backend " + backend + " at "
          + target.endpoints().get(attempt) + " failed: " + why);
      return true;
    }

    private void connected() {
      phase = Phase.RELAYING; // relaying means routed: a connection never leaves this phase but to end
      if (routeStats != null) routeStats.opened();
      if (target != null && backendPolicy != null) {
        handler.trafficPolicies().health.connected(target.backend().service(), target.endpoints().get(attempt), backendPolicy);
        if (backendPolicy.proxyProtocol()) handler.trafficPolicies().proxyHeaders.increment();
      }
      if (target != null && policy != null && policy.drains()) watchForRouteChanges();
      lastActivity = System.nanoTime();
      handler.logRouted(client, sni, route, backend, target == null ? null : target.endpoints().get(attempt));
      // what was read before routing (the hello), replayed; a TCP connection read nothing
      helloToSend = firstChunk != null ? firstChunk : received != null ? ByteString.fromArrayUnsafe(received, 0, receivedLength) : null;
      firstChunk = null;
      received = null;
      releaseHello(); // from here the bytes are the backend socket's to count, while it has not written them
      bytesToBackend = helloToSend == null ? 0 : helloToSend.size();
      // a PROXY header goes in the same write as the hello, before it (TERMINATE's goes under its TLS, in the backend flow)
      ByteString header = mode == Mode.PASSTHROUGH ? proxyHeader() : null;
      if (header != null) helloToSend = helloToSend == null ? header : header.concat(helloToSend);
      if (toBackend.isAvailable()) {
        if (helloToSend != null) sendHello();
        else if (clientFinished) toBackend.complete();
        else if (!hasBeenPulled(fromClient) && !isClosed(fromClient)) pull(fromClient);
      }
      if (isAvailable(toClient)) fromBackend.pull();
      rearmQuietTimer();
    }

    /** The hello, unchanged, to the backend (passthrough) or to the TLS engine (terminate); then the rest. */
    private void sendHello() {
      ByteString hello = helloToSend;
      helloToSend = null;
      toBackend.push(hello);
      if (clientFinished) toBackend.complete();
    }

    /** Registers the connection to be closed (Close) or drained (Drain) when a new table moves its route. */
    private void watchForRouteChanges() {
      AsyncCallback<dev.passage.table.ConnectionPolicy.Drain> moved = createAsyncCallback(d -> {
        if (d.mode() == dev.passage.table.ConnectionPolicy.DrainMode.Close) closeForDrain(d.mode());
        else scheduleOnce(DRAIN, java.time.Duration.ofMillis(d.withinMillis()));
      });
      drainable = new TrafficPolicies.Drainable(bind, tcp ? null : sni, forwardRoute, target.backend().service(),
          policy.drain(), moved::invoke);
      handler.trafficPolicies().register(drainable);
      if (!drainable.stillServed(handler.table())) moved.invoke(policy.drain()); // moved while connecting
    }

    private void closeForDrain(dev.passage.table.ConnectionPolicy.DrainMode mode) {
      handler.trafficPolicies().closedByDrain(mode);
      completeStage(); // FIN both ways
    }

    private void connectFailed(Throwable ex) {
      connectFailures++;
      if (backendPolicy != null) {
        handler.trafficPolicies().health.connectFailed(target.backend().service(), target.endpoints().get(attempt),
            backendPolicy, handler.table().endpoints(target.backend().service()));
      }
      if (attempt + 1 < target.endpoints().size()) {
        handler.logConnectRetry(client, sni, target.endpoints().get(attempt), ex);
        attempt++;
        connect();
        return;
      }
      refuse(ProxyMetrics.Refusal.CONNECT_FAILED, ConnectionHandler.noEndpoint(backend, target.endpoints().get(attempt), ex));
    }

    @Override
    public void onTimer(Object key) {
      if (DRAIN.equals(key)) {
        closeForDrain(dev.passage.table.ConnectionPolicy.DrainMode.Drain);
      } else if (HELLO_DEADLINE.equals(key)) {
        refuse(ProxyMetrics.Refusal.TIMEOUT, "no complete ClientHello before the deadline");
      } else if (QUIET.equals(key)) {
        long quiet = System.nanoTime() - lastActivity;
        // one timer per connection, moved on only when it fires: no per-chunk rescheduling
        if (quiet >= quietLimitNanos()) completeStage();
        else rearmQuietTimer();
      }
    }

    /**
     * How long a relayed connection may go without a byte moving: the idle timeout, or once a
     * side has sent its FIN, the (shorter) time the other side has to finish.
     */
    private long quietLimitNanos() {
      PassageSettings.Proxy s = handler.settings();
      long limit = s.idleTimeout().toNanos();
      if (clientFinished) limit = Math.min(limit, s.clientFinTimeout().toNanos());
      if (backendFinished) limit = Math.min(limit, s.serverFinTimeout().toNanos());
      return limit;
    }

    private void rearmQuietTimer() {
      long remaining = quietLimitNanos() - (System.nanoTime() - lastActivity);
      scheduleOnce(QUIET, java.time.Duration.ofNanos(Math.max(0, remaining)));
    }

    private void refusal(ProxyMetrics.Refusal kind, String reason) {
      refusal = kind;
      refusalReason = reason;
    }

    /** Closes the client's connection with FIN (no alert): the stage completes its output. */
    private void refuse(ProxyMetrics.Refusal kind, String reason) {
      refusal(kind, reason);
      completeStage();
    }

    /** A server engine for this connection's handshake; the one an earlier connect attempt made is given back. */
    private javax.net.ssl.SSLEngine newEngine(ServerCertificates.Alpn alpn) {
      if (engine != null) ServerCertificates.release(engine);
      long acceptedAtMillis = System.currentTimeMillis() - (System.nanoTime() - start) / 1_000_000;
      engine = handler.serverEngine(terminate, sni, alpn, acceptedAtMillis).orElseThrow();
      return engine;
    }

    private void releaseHello() {
      handler.budget().release(heldForHello);
      heldForHello = 0;
    }

    @Override
    public void postStop() {
      releaseHello();
      permit.release();
      if (drainable != null) handler.trafficPolicies().unregister(drainable);
      if (engine != null) ServerCertificates.release(engine);
      waiting.leave(); // no longer a candidate for shedding
      boolean routed = phase == Phase.RELAYING;
      if (!routed && refusal == null) refusal(ProxyMetrics.Refusal.CLOSED_EARLY, "client connection ended while connecting");
      handler.ended(new ConnectionHandler.Ended(client, bind, sni, route, backend,
          routed && target != null ? target.endpoints().get(attempt) : null,
          refusal, refusalReason, helloBytes, connectFailures, bytesToBackend, bytesToClient, System.nanoTime() - start, id),
          routeStats, routed);
    }
  }
}
