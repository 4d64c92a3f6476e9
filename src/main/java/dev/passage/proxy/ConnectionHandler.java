package dev.passage.proxy;

import dev.passage.config.PassageSettings;
import dev.passage.rules.Placement;
import dev.passage.rules.ResolvedBackend;
import dev.passage.table.BindAddress;
import dev.passage.table.Decision;
import dev.passage.table.RouteTable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.StreamSubscriptionTimeoutTerminationMode;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection pipeline of a passthrough listener: peek the ClientHello, look the SNI up
 * in the current route table, choose a backend, connect (trying another endpoint when a connect
 * fails: no byte has reached a backend yet), replay the buffered bytes unchanged, then stream
 * both ways with backpressure and half-close. Every refusal ends in a plain close (FIN).
 */
public final class ConnectionHandler {
  private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
  private static final Logger access = LoggerFactory.getLogger("passage.access");

  private final ActorSystem<?> system;
  private final Supplier<RouteTable> table;
  private final PassageSettings.Proxy settings;
  private final AtomicInteger active;
  private final ProxyMetrics metrics;

  /** active and metrics: this node's counts, kept here, read by the management routes. */
  public ConnectionHandler(ActorSystem<?> system, Supplier<RouteTable> table, PassageSettings.Proxy settings,
                           AtomicInteger active, ProxyMetrics metrics) {
    this.system = system;
    this.table = table;
    this.settings = settings;
    this.active = active;
    this.metrics = metrics;
  }

  public Flow<ByteString, ByteString, NotUsed> flow(BindAddress bind, InetSocketAddress client) {
    metrics.accepted.increment();
    if (active.incrementAndGet() > settings.maxConnections()) {
      active.decrementAndGet();
      metrics.refused(ProxyMetrics.Refusal.LIMIT);
      log.warn("closed {} on {}: {} connections open, the limit (passage.proxy.max-connections)", client, bind,
          settings.maxConnections());
      return Flow.fromSinkAndSource(Sink.cancelled(), Source.empty());
    }
    // the connection counts as open until both directions have ended
    AtomicInteger directionsOpen = new AtomicInteger(2);
    Runnable directionEnded = () -> {
      if (directionsOpen.decrementAndGet() == 0) active.decrementAndGet();
    };
    return Flow.<ByteString>create()
        .watchTermination((m, done) -> {
          done.whenComplete((d, e) -> directionEnded.run());
          return m;
        })
        .via(proxy(bind, client))
        .map(b -> {
          metrics.bytesToClient.add(b.size());
          return b;
        })
        .watchTermination((m, done) -> {
          done.whenComplete((d, e) -> directionEnded.run());
          return NotUsed.getInstance();
        });
  }

  private Flow<ByteString, ByteString, NotUsed> proxy(BindAddress bind, InetSocketAddress client) {
    // the client's later bytes wait unread (the tail) while the backend is being connected
    Duration tailWait = settings.connectTimeout().multipliedBy(settings.connectAttempts()).plusSeconds(5);
    return Flow.<ByteString>create()
        .via(new ClientHelloPeek(settings.clientHelloMaxBytes(), settings.clientHelloTimeout()))
        .prefixAndTail(1)
        .flatMapConcat(pair -> {
          Source<ByteString, NotUsed> tail = pair.second().map(i -> {
            ByteString bytes = ((Inbound.Chunk) i).bytes();
            metrics.bytesToBackend.add(bytes.size());
            return bytes;
          });
          return route(bind, client, pair.first().get(0), tail);
        })
        .addAttributes(ActorAttributes.streamSubscriptionTimeout(tailWait,
            StreamSubscriptionTimeoutTerminationMode.cancel()));
  }

  private Source<ByteString, NotUsed> route(BindAddress bind, InetSocketAddress client, Inbound first,
                                            Source<ByteString, NotUsed> tail) {
    if (first instanceof Inbound.Refused r) {
      return close(tail, client, bind, null, r.kind(), r.reason());
    }
    Inbound.Hello hello = (Inbound.Hello) first;
    metrics.hello(hello.handshakeBytes());
    if (hello.sni() == null) return close(tail, client, bind, null, ProxyMetrics.Refusal.NO_SNI, "ClientHello has no SNI");
    Decision decision = table.get().lookup(bind, hello.sni());
    if (decision instanceof Decision.Reject r) {
      return close(tail, client, bind, hello.sni(), ProxyMetrics.Refusal.NO_ROUTE, r.reason());
    }
    Decision.Forward forward = (Decision.Forward) decision;
    BackendChoice.Outcome outcome = BackendChoice.choose(forward.route().backends(), ThreadLocalRandom.current());
    if (outcome instanceof BackendChoice.Reject r) {
      return close(tail, client, bind, hello.sni(), ProxyMetrics.Refusal.BACKEND,
          "route " + forward.route().route() + ": " + r.reason());
    }
    BackendChoice.Connect connect = (BackendChoice.Connect) outcome;
    Connection c = new Connection(client, bind, hello.sni(), forward.route().route().toString(),
        connect.backend().name(), connect.endpoints());
    metrics.bytesToBackend.add(hello.bytes().size());
    return c.attempt(0, hello.bytes(), tail);
  }

  private Source<ByteString, NotUsed> close(Source<ByteString, NotUsed> tail, InetSocketAddress client,
                                            BindAddress bind, String sni, ProxyMetrics.Refusal kind, String reason) {
    metrics.refused(kind);
    tail.runWith(Sink.cancelled(), system);
    if (log.isDebugEnabled()) log.debug("closed {} on {} sni={}: {}", client, bind, sni, reason);
    if (settings.accessLog()) access.info("client={} listener={} sni={} rejected=\"{}\"", client, bind, sni, reason);
    return Source.empty();
  }

  /** One client connection on its way to a backend, with the endpoints it may still try. */
  private final class Connection {
    final InetSocketAddress client;
    final BindAddress bind;
    final String sni;
    final String route;
    final String backend;
    final List<ResolvedBackend.Endpoint> endpoints;

    Connection(InetSocketAddress client, BindAddress bind, String sni, String route, String backend,
               List<ResolvedBackend.Endpoint> endpoints) {
      this.client = client;
      this.bind = bind;
      this.sni = sni;
      this.route = route;
      this.backend = backend;
      this.endpoints = endpoints;
    }

    Source<ByteString, NotUsed> attempt(int index, ByteString hello, Source<ByteString, NotUsed> tail) {
      ResolvedBackend.Endpoint endpoint = endpoints.get(index);
      // The client's bytes (the buffered hello, then the tail) are held back until the backend
      // has accepted the TCP connection: a connect that fails leaves them untouched for the next
      // endpoint. (Without the gate the outgoing flow would start taking them before it connects.)
      CompletableFuture<Void> connected = new CompletableFuture<>();
      Source<ByteString, NotUsed> toBackend = Source.completionStageSource(
              connected.thenApply(ok -> Source.single(hello).concat(tail)))
          .mapMaterializedValue(m -> NotUsed.getInstance());
      InetSocketAddress address = socketAddress(endpoint);
      Source<ByteString, NotUsed> fromBackend = toBackend.via(Tcp.get(system).outgoingConnection(
              address, Optional.empty(), List.of(), true, Optional.of(settings.connectTimeout()),
              Optional.of(settings.idleTimeout()))
          .mapMaterializedValue(f -> {
            f.whenComplete((conn, err) -> {
              if (err != null) {
                connected.completeExceptionally(err);
                return;
              }
              if (log.isDebugEnabled()) log.debug("{} sni={} route={} -> {} ({})", client, sni, route, backend, endpoint);
              metrics.routed.increment();
              connected.complete(null);
            });
            return NotUsed.getInstance();
          }));
      PFBuilder<Throwable, Graph<SourceShape<ByteString>, NotUsed>> recovery = new PFBuilder<>();
      recovery.match(StreamTcpException.class, ConnectionHandler::isConnectFailure, e -> {
        metrics.connectFailures.increment();
        if (index + 1 < endpoints.size()) {
          log.debug("{} sni={}: connect to {} failed ({}), trying the next endpoint", client, sni, endpoint, e.getMessage());
          return attempt(index + 1, hello, tail);
        }
        log.warn("{} sni={} route={}: no endpoint of {} accepted a connection (last {}: {})",
            client, sni, route, backend, endpoint, e.getMessage());
        metrics.refused(ProxyMetrics.Refusal.CONNECT_FAILED);
        tail.runWith(Sink.cancelled(), system);
        return Source.empty();
      });
      Source<ByteString, NotUsed> result = fromBackend.recoverWithRetries(1, recovery.build());
      if (settings.accessLog()) {
        long start = System.nanoTime();
        result = result.watchTermination((m, done) -> {
          done.whenComplete((ok, err) -> access.info("client={} listener={} sni={} route={} backend={} endpoint={} ms={}{}",
              client, bind, sni, route, backend, endpoint, (System.nanoTime() - start) / 1_000_000,
              err == null ? "" : " error=\"" + err.getMessage() + "\""));
          return m;
        });
      }
      return result;
    }
  }

  /** An IP literal (what EndpointSlices hold) needs no lookup; a name is resolved by Pekko's DNS. */
  static InetSocketAddress socketAddress(ResolvedBackend.Endpoint endpoint) {
    String host = endpoint.host();
    return Placement.isIpLiteral(host) ? new InetSocketAddress(host, endpoint.port())
        : InetSocketAddress.createUnresolved(host, endpoint.port());
  }

  /** Pekko reports a refused or timed-out connect as a failed Connect command. */
  static boolean isConnectFailure(StreamTcpException e) {
    return e.getMessage() != null && e.getMessage().startsWith("Tcp command [Connect(");
  }
}
