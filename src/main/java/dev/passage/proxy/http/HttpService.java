package dev.passage.proxy.http;

import com.typesafe.config.Config;
import dev.passage.proxy.BackendChoice;
import dev.passage.table.HttpMatching;
import dev.passage.table.ResolvedBackend;
import dev.passage.table.BindAddress;
import dev.passage.table.HttpFilters;
import dev.passage.proxy.RouteMetrics;
import dev.passage.table.HttpListener;
import dev.passage.table.HttpRouteRule;
import dev.passage.table.HttpRoutes;
import dev.passage.table.RouteTable;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpProtocols;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import dev.passage.table.BackendTls;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves HTTP on a client connection the data plane accepted (plain, or decrypted from an HTTPS
 * listener): Pekko HTTP's server layer parses the requests, each request is routed by the current
 * table (listener, then the HTTPRoute rule by precedence), filtered, and sent to a backend endpoint
 * through Pekko HTTP's pooled HTTP/1.1 client. Bodies stream both ways with backpressure; nothing
 * is buffered whole.
 */
public final class HttpService implements dev.passage.proxy.HttpConnections {
  private static final Logger access = LoggerFactory.getLogger("passage.access");
  private static final Logger log = LoggerFactory.getLogger(HttpService.class);
  /** Requests that may be sent again to another endpoint when the first did not accept the connection. */
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  private final Http http;
  private final Supplier<RouteTable> table;
  private final ServerSettings serverSettings;
  private final ConnectionPoolSettings poolSettings;
  private final dev.passage.proxy.tls.BackendTlsClients backendTls;
  private final Runnable onBackendTlsFailure;
  private final LoggingAdapter pekkoLog;
  private final boolean accessLog;
  private final Materializer materializer;
  private final scala.concurrent.ExecutionContextExecutor dispatcher;
  private final org.apache.pekko.http.impl.engine.http2.TelemetrySpi telemetry;
  private final org.apache.pekko.http.scaladsl.HttpExt scalaHttp;

  /** tcp and dispatcher: the data plane's sockets and the I/O loops' dispatcher, under the client pools. */
  public HttpService(ActorSystem system, Config root, Supplier<RouteTable> table, boolean accessLog,
                     dev.passage.proxy.io.NioTcp tcp, String dispatcher, java.time.Duration connectTimeout,
                     RouteMetrics routeMetrics, dev.passage.proxy.tls.BackendTlsClients backendTls,
                     Runnable onBackendTlsFailure) {
    this.http = Http.get(system);
    this.backendTls = backendTls;
    this.onBackendTlsFailure = onBackendTlsFailure;
    this.routeMetrics = routeMetrics;
    this.table = table;
    this.accessLog = accessLog;
    Config http = root.getConfig("passage.http");
    this.serverSettings = ServerSettings.create(http.getConfig("server").atPath("pekko.http.server").withFallback(root));
    ConnectionPoolSettings pool = ConnectionPoolSettings.create(
        http.getConfig("client-pool").atPath("pekko.http.host-connection-pool").withFallback(root));
    this.poolSettings = pool.withConnectionSettings(pool.getConnectionSettings()
        .withTransport(new BackendTransport(tcp, dispatcher, connectTimeout)));
    this.pekkoLog = system.log();
    this.materializer = Materializer.matFromSystem(system);
    this.dispatcher = system.dispatcher();
    this.telemetry = org.apache.pekko.http.impl.engine.http2.TelemetrySpi$.MODULE$.create(system);
    this.scalaHttp = (org.apache.pekko.http.scaladsl.HttpExt) org.apache.pekko.http.scaladsl.Http.get(system);
  }

  /** A plain HTTP connection: its bytes in, its bytes out. */
  @Override
  public Flow<ByteString, ByteString, NotUsed> plain(BindAddress bind, InetSocketAddress client) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    BidiFlow<TLSProtocol.SslTlsOutbound, ByteString, ByteString, TLSProtocol.SslTlsInbound, NotUsed> placebo =
        (BidiFlow) TLSPlacebo.getInstance();
    return placebo.reversed().join(http1(new Connection(bind, client, null, null)));
  }

  /**
   * An HTTPS connection, decrypted with this engine (its certificate chosen by the SNI, its ALPN
   * choosing h2, else http/1.1: ServerCertificates.Alpn.HTTP); once the handshake is done, the first decrypted bytes find out which the client
   * chose, and the connection is served by Pekko HTTP's HTTP/2 or HTTP/1.1 server stack.
   */
  @Override
  public Flow<ByteString, ByteString, NotUsed> https(BindAddress bind, InetSocketAddress client, String sni, SSLEngine engine,
                                                    dev.passage.proxy.tls.TlsProvider provider) {
    Connection c = new Connection(bind, client, sni, engine);
    Flow<TLSProtocol.SslTlsInbound, TLSProtocol.SslTlsOutbound, ?> plaintext =
        Flow.<TLSProtocol.SslTlsInbound, TLSProtocol.SslTlsOutbound, NotUsed>lazyFlow(() ->
            "h2".equals(engine.getApplicationProtocol()) ? http2(c) : http1(c));
    return dev.passage.proxy.tls.TlsStage.server(engine, provider).reversed().join(plaintext);
  }

  /** HTTP/1.1 on decrypted (or placebo) TLS records: one request at a time, responses in order. */
  private Flow<TLSProtocol.SslTlsInbound, TLSProtocol.SslTlsOutbound, NotUsed> http1(Connection c) {
    Flow<HttpRequest, HttpResponse, NotUsed> requests = Flow.of(HttpRequest.class).mapAsync(1, request -> handle(request, c));
    return http.serverLayer(serverSettings, Optional.of(c.client), pekkoLog).reversed().join(requests);
  }

  /**
   * HTTP/2 on decrypted TLS records, through Pekko HTTP's own HTTP/2 server stack (the one its
   * bind uses; internal API, so pinned by HttpRouteTest's h2 case): streams are handled
   * concurrently, up to pekko.http.server.http2.max-concurrent-streams.
   */
  private Flow<TLSProtocol.SslTlsInbound, TLSProtocol.SslTlsOutbound, NotUsed> http2(Connection c) {
    var settings = (org.apache.pekko.http.scaladsl.settings.ServerSettings) serverSettings;
    scala.Function1<org.apache.pekko.http.scaladsl.model.HttpRequest,
        scala.concurrent.Future<org.apache.pekko.http.scaladsl.model.HttpResponse>> handler = request ->
        scala.jdk.javaapi.FutureConverters.asScala(
            handle(request, c).thenApply(r -> (org.apache.pekko.http.scaladsl.model.HttpResponse) r));
    var streams = org.apache.pekko.http.impl.engine.http2.Http2Blueprint$.MODULE$.handleWithStreamIdHeader(
        settings.http2Settings().maxConcurrentStreams(), handler, dispatcher);
    var stack = org.apache.pekko.http.impl.engine.http2.Http2Blueprint$.MODULE$.serverStackTls(settings, pekkoLog,
        telemetry, scalaHttp.dateHeaderRendering());
    return streams.join(stack).asJava().mapMaterializedValue(terminator -> NotUsed.getInstance());
  }

  /** What every request of one connection shares. sni null: plain HTTP; engine: its TLS, read after the handshake. */
  private static final class Connection {
    final BindAddress bind;
    final InetSocketAddress client;
    final String sni;
    private final SSLEngine engine;
    private String clientCertificate; // the X-Forwarded-Client-Cert value, "" for none; made at the first request

    Connection(BindAddress bind, InetSocketAddress client, String sni, SSLEngine engine) {
      this.bind = bind;
      this.client = client;
      this.sni = sni;
      this.engine = engine;
    }

    boolean tls() {
      return sni != null;
    }

    /** The verified client certificate as backends are told of it, or null (requests of a connection run one by one, or on its HTTP/2 stage). */
    synchronized String clientCertificate() {
      if (clientCertificate == null) {
        clientCertificate = engine == null ? ""
            : dev.passage.proxy.tls.ServerCertificates.verifiedClientChain(engine).map(ClientCertificateHeader::value).orElse("");
      }
      return clientCertificate.isEmpty() ? null : clientCertificate;
    }
  }

  /** One request's way through: listener, rule, filters, backend; the answer. */
  CompletionStage<HttpResponse> handle(HttpRequest request, Connection c) {
    long start = System.nanoTime();
    String host = request.getHeader(Host.class).map(h -> authority(h.host().address(), h.port()))
        .orElse(authority(request.getUri().host().address(), request.getUri().port())); // HTTP/2: :authority
    RouteTable current = table.get();
    Optional<HttpListener> listener = current.httpListener(c.bind, c.tls() ? c.sni : host, c.tls());
    if (listener.isEmpty()) return done(request, c, null, start, error(404, "no listener serves this host"), "no listener for host " + host, null);
    HttpMatching.Request matchable = matchable(request);
    Optional<HttpRoutes.Target> target = listener.get().routes().select(host, matchable);
    if (target.isEmpty()) return done(request, c, listener.get(), start, error(404, "no route matches"), "no route matches", null);
    HttpRoutes.Target t = target.get();
    String route = t.route().route().toString();
    HttpRouteRule rule = t.rule();
    String matchedPrefix = rule.matches().get(0).path().value(); // only used with exactly one PathPrefix match
    HttpFilters f = rule.filters();
    Uri uri = request.getUri();
    if (f.redirect() != null) {
      String location = UrlChanges.location(f.redirect(), c.tls(), HttpRoutes.hostWithoutPort(host), listener.get().port(),
          uri.path(), uri.rawQueryString().orElse(null), matchedPrefix);
      HttpResponse redirect = HttpResponse.create().withStatus(f.redirect().statusCode())
          .addHeader(Location.create(location));
      return done(request, c, listener.get(), start, withHeaders(redirect, f.responseHeaders(), null), null, route);
    }
    BackendChoice.Outcome choice = BackendChoice.choose(rule.resolvedBackends(), current::endpoints,
        ThreadLocalRandom.current());
    if (choice instanceof BackendChoice.Reject r) {
      int status = r.why() == BackendChoice.Why.NO_ENDPOINTS ? 503 : 500;
      return done(request, c, listener.get(), start, error(status, r.reason()), "route " + route + ": " + r.reason(), route);
    }
    BackendChoice.Connect connect = (BackendChoice.Connect) choice;
    HttpFilters backendFilters = filtersOf(rule, connect.backend());
    BackendTls tls = current.backendTls(connect.backend().service());
    if (tls != null && !tls.usable()) { // the policy has no valid CA: no plaintext to this backend, ever
      return done(request, c, listener.get(), start, error(500, "the backend's TLS policy is not usable"),
          "route " + route + ": " + tls.refusal(), route);
    }
    HttpsConnectionContext https = tls == null ? null
        : backendTls.https(tls, current.backendClientCertificate(listener.get().gateway()));

    // the request as the backend gets it: rewritten, headers edited, hop-by-hop gone, X-Forwarded-*
    String path = f.rewrite() != null ? UrlChanges.path(uri.path(), f.rewrite().path(), matchedPrefix) : uri.path();
    List<HttpHeader> headers = HttpHeaders.endToEnd(request.getHeaders());
    if (f.rewrite() != null && f.rewrite().hostname() != null) {
      headers.removeIf(h -> h.is("host"));
      headers.add(0, Host.create(f.rewrite().hostname()));
    } else if (headers.stream().noneMatch(h -> h.is("host")) && !host.isEmpty()) {
      headers.add(0, HttpHeader.parse("Host", host)); // HTTP/2 names the authority in :authority, HTTP/1.1 in Host
    }
    headers = HttpHeaders.edit(headers, f.requestHeaders());
    headers = HttpHeaders.edit(headers, backendFilters.requestHeaders());
    headers = HttpHeaders.forwarded(headers, c.client.getAddress().getHostAddress(), c.tls());
    headers = ClientCertificateHeader.set(headers, c.clientCertificate());
    String relative = uri.rawQueryString().map(q -> path + "?" + q).orElse(path);
    HttpRequest outgoing = HttpRequest.create().withMethod(request.method()).withHeaders(headers)
        .withEntity(request.entity()).withProtocol(HttpProtocols.HTTP_1_1); // the pools speak HTTP/1.1
    boolean retryable = IDEMPOTENT.contains(request.method().name()) && request.entity().isKnownEmpty();
    CompletableFuture<HttpResponse> response = send(outgoing, relative, connect.endpoints(), 0, retryable, rule, https);
    if (rule.requestTimeoutMillis() > 0) response = response.orTimeout(rule.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
    String backend = connect.backend().name();
    return response.handle((rsp, failure) -> {
      if (failure == null) {
        // the client's protocol, not the backend's: an HTTP/1.0 backend does not end a keep-alive client connection
        HttpResponse out = withHeaders(rsp, f.responseHeaders(), backendFilters.responseHeaders()).withProtocol(request.protocol());
        logAccess(request, c, listener.get(), start, out.status().intValue(), route, backend, null);
        return out;
      }
      Throwable cause = unwrap(failure);
      if (cause instanceof TimeoutException) {
        logAccess(request, c, listener.get(), start, 504, route, backend, "backend " + backend + " did not answer in time");
        return error(504, "the backend did not answer in time");
      }
      String tlsFailure = tls == null ? null : dev.passage.proxy.tls.BackendTlsClients.tlsFailure(cause);
      if (tlsFailure != null) onBackendTlsFailure.run();
      String why = tlsFailure != null ? "TLS to backend " + backend + " failed: " + tlsFailure
          : "backend " + backend + " failed: " + cause.getMessage();
      logAccess(request, c, listener.get(), start, 502, route, backend, why);
      return error(502, "the backend failed");
    });
  }

  /** "host" or "host:port" as the client wrote it (port 0: none given). */
  private static String authority(String host, int port) {
    return port != 0 ? host + ":" + port : host;
  }

  /**
   * Sends to endpoint i (over TLS with https's engines when a BackendTLSPolicy covers the backend,
   * else in plaintext); a connection that was refused moves on to the next endpoint when the
   * request allows it.
   */
  private CompletableFuture<HttpResponse> send(HttpRequest outgoing, String relative, List<ResolvedBackend.Endpoint> endpoints,
                                               int i, boolean retryable, HttpRouteRule rule, HttpsConnectionContext https) {
    ResolvedBackend.Endpoint e = endpoints.get(i);
    HttpRequest attempt = outgoing.withUri(Uri.create((https == null ? "http://" : "https://") + e + relative));
    CompletableFuture<HttpResponse> sent = plain(http.singleRequest(attempt,
        https == null ? http.defaultClientHttpsContext() : https, poolSettings, pekkoLog));
    if (rule.backendTimeoutMillis() > 0) sent = sent.orTimeout(rule.backendTimeoutMillis(), TimeUnit.MILLISECONDS);
    if (!retryable || i + 1 >= endpoints.size()) return sent;
    return sent.handle((rsp, failure) -> {
      if (failure == null) return CompletableFuture.completedFuture(rsp);
      if (!neverConnected(unwrap(failure))) return CompletableFuture.<HttpResponse>failedFuture(failure);
      log.debug("endpoint {} refused the connection, trying the next", e);
      return send(outgoing, relative, endpoints, i + 1, retryable, rule, https);
    }).thenCompose(x -> x);
  }

  /**
   * The answer as an ordinary CompletableFuture whose callbacks run where it completes. (The one
   * Pekko returns is Scala's, which runs even non-async callbacks on the default executor: with
   * fewer than 3 cores, a new thread per callback. Measured: 8,294 threads started in 12 s.)
   */
  private static <T> CompletableFuture<T> plain(CompletionStage<T> stage) {
    CompletableFuture<T> f = new CompletableFuture<>();
    stage.whenCompleteAsync((value, failure) -> {
      if (failure != null) f.completeExceptionally(failure);
      else f.complete(value);
    }, Runnable::run);
    return f;
  }

  /**
   * A failure to establish the TCP connection: the request never reached the endpoint. The pools'
   * sockets (BackendTransport, io/SocketStage) fail every connect with a ConnectException.
   */
  private static boolean neverConnected(Throwable t) {
    for (Throwable x = t; x != null; x = x.getCause()) {
      if (x instanceof ConnectException) return true;
    }
    return false;
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The filters of the backendRef that was chosen (the first entry naming that backend). */
  private static HttpFilters filtersOf(HttpRouteRule rule, ResolvedBackend chosen) {
    for (HttpRouteRule.HttpBackend b : rule.backends()) if (b.backend() == chosen) return b.filters();
    return HttpFilters.NONE;
  }

  private static HttpResponse withHeaders(HttpResponse rsp, HttpFilters.HeaderEdits rule, HttpFilters.HeaderEdits backend) {
    if (rule == null && backend == null && HttpHeaders.allEndToEnd(rsp.getHeaders())) return rsp;
    List<HttpHeader> headers = HttpHeaders.edit(HttpHeaders.edit(HttpHeaders.endToEnd(rsp.getHeaders()), rule), backend);
    return rsp.withHeaders(headers);
  }

  /** The request as matching sees it: header names lower-cased, the first value of a repeated header or parameter. */
  private static HttpMatching.Request matchable(HttpRequest request) {
    Map<String, String> headers = new HashMap<>();
    for (HttpHeader h : request.getHeaders()) headers.putIfAbsent(h.lowercaseName(), h.value());
    Map<String, String> query = new HashMap<>();
    for (var p : request.getUri().query().toList()) query.putIfAbsent(p.first(), p.second());
    return new HttpMatching.Request(request.method().name(), request.getUri().path(), headers, query);
  }

  private static HttpResponse error(int status, String text) {
    return HttpResponse.create().withStatus(StatusCodes.get(status)).withEntity(text + "\n");
  }

  private final RouteMetrics routeMetrics;

  private CompletionStage<HttpResponse> done(HttpRequest request, Connection c, HttpListener listener, long start,
                                             HttpResponse response, String why, String route) {
    request.discardEntityBytes(materializer); // answered without the body: drain it, keep the connection
    logAccess(request, c, listener, start, response.status().intValue(), route, null, why);
    return CompletableFuture.completedFuture(response);
  }

  /** Counts the request on its route (when it reached one) and writes its access log line. */
  private void logAccess(HttpRequest request, Connection c, HttpListener listener, long start, int status, String route,
                         String backend, String why) {
    if (route != null && listener != null) {
      RouteMetrics.HttpStats stats = routeMetrics.httpStats(listener.gateway(), listener.listener(), route, backend);
      if (stats != null) stats.request(status, System.nanoTime() - start);
    }
    if (!accessLog && why == null) return;
    long ms = (System.nanoTime() - start) / 1_000_000;
    String line = "client=" + c.client + " listener=" + c.bind + (c.tls() ? " sni=" + c.sni : "") + " " + request.method().name()
        + " " + request.getUri().path() + " status=" + status + " route=" + route + " backend=" + backend + " ms=" + ms
        + (why == null ? "" : " reason=\"" + why + "\"");
    if (accessLog) {
      // the same fields as key-value pairs, for PASSAGE_LOG_FORMAT=json
      var event = access.atInfo().setMessage(line);
      dev.passage.proxy.AccessLog.field(event, "client", c.client);
      dev.passage.proxy.AccessLog.field(event, "listener", c.bind);
      dev.passage.proxy.AccessLog.field(event, "sni", c.tls() ? c.sni : null);
      event.addKeyValue("method", request.method().name()).addKeyValue("path", request.getUri().path())
          .addKeyValue("status", status).addKeyValue("duration_ms", ms).addKeyValue("outcome", why == null ? "served" : "refused");
      dev.passage.proxy.AccessLog.field(event, "route", route);
      dev.passage.proxy.AccessLog.field(event, "backend", backend);
      dev.passage.proxy.AccessLog.field(event, "reason", why);
      event.log();
    } else if (status >= 500) {
      log.debug(line);
    }
  }
}
