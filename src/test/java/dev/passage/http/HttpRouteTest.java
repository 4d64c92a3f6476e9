package dev.passage.http;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Certificates;
import dev.passage.testkit.EchoHttpBackend;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsProviderUnderTest;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP and HTTPS listeners serving HTTPRoutes, standalone, with the JDK's HttpClient (HTTP/1.1)
 * against two JDK echo backends: every match kind and the precedence between them, each filter,
 * weights, 404/500/503/504, retries of a refused endpoint, a 64 MiB upload and download streamed
 * with equal digests, and the tutorial's mixed Gateway: an HTTPS listener and a TLS passthrough
 * listener on one port, the SNI choosing between them.
 */
class HttpRouteTest {
  @TempDir
  static Path folder;
  static int httpPort;
  static int tlsPort;
  static RunningPassage passage;
  static EchoHttpBackend a;
  static EchoHttpBackend b;
  static TlsBackend passBackend;
  static Certificates.Pem appCert;
  static int closedPort;
  static java.net.Socket closedPortHolder;
  static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  static final String GATEWAY = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata:
        name: web
        namespace: default
      spec:
        gatewayClassName: passage
        listeners:
        - name: http
          protocol: HTTP
          port: %1$d
        - name: https
          protocol: HTTPS
          port: %2$d
          hostname: app.example.com
          tls:
            mode: Terminate
            certificateRefs:
            - name: app-cert
        - name: pass
          protocol: TLS
          port: %2$d
          hostname: pass.example.com
          tls:
            mode: Passthrough
      """;

  static final String ROUTES = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata:
        name: matching
        namespace: default
      spec:
        parentRefs:
        - name: web
          sectionName: http
        hostnames: ["match.example.com"]
        rules:
        - matches:
          - path: {type: Exact, value: /exact}
          filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Rule, value: r0}]}}]
          backendRefs: [{name: a, port: 8443}]
        - matches:
          - path: {type: PathPrefix, value: /prefix}
          filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Rule, value: r1}]}}]
          backendRefs: [{name: a, port: 8443}]
        - matches:
          - path: {type: PathPrefix, value: /prefix/longer}
          filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Rule, value: r2}]}}]
          backendRefs: [{name: a, port: 8443}]
        - matches:
          - path: {type: PathPrefix, value: /}
            headers: [{name: Version, value: two}]
          filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Rule, value: r3}]}}]
          backendRefs: [{name: a, port: 8443}]
        - matches:
          - path: {type: PathPrefix, value: /}
            queryParams: [{name: animal, value: whale}]
          filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Rule, value: r4}]}}]
          backendRefs: [{name: a, port: 8443}]
        - matches:
          - method: PATCH
          filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Rule, value: r5}]}}]
          backendRefs: [{name: a, port: 8443}]
        - matches:
          - path: {type: PathPrefix, value: /}
          filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Rule, value: r6}]}}]
          backendRefs: [{name: a, port: 8443}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata:
        name: filters
        namespace: default
      spec:
        parentRefs: [{name: web}]
        hostnames: ["filters.example.com"]
        rules:
        - matches: [{path: {type: PathPrefix, value: /headers}}]
          filters:
          - type: RequestHeaderModifier
            requestHeaderModifier:
              set: [{name: X-Set, value: set-value}]
              add: [{name: X-Add, value: added}]
              remove: [X-Remove]
          - type: ResponseHeaderModifier
            responseHeaderModifier:
              add: [{name: X-Response, value: from-gateway}]
              remove: [X-Drop-Me]
          backendRefs: [{name: a, port: 8443}]
        - matches: [{path: {type: PathPrefix, value: /redirect}}]
          filters:
          - type: RequestRedirect
            requestRedirect: {scheme: https, statusCode: 301}
        - matches: [{path: {type: PathPrefix, value: /portredirect}}]
          filters:
          - type: RequestRedirect
            requestRedirect: {port: 8443, statusCode: 307}
        - matches: [{path: {type: PathPrefix, value: /moved}}]
          filters:
          - type: RequestRedirect
            requestRedirect:
              hostname: elsewhere.example.org
              path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}
        - matches: [{path: {type: PathPrefix, value: /old}}]
          filters:
          - type: URLRewrite
            urlRewrite:
              hostname: rewritten.example.org
              path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}
          backendRefs: [{name: a, port: 8443}]
        - matches: [{path: {type: PathPrefix, value: /slow}}]
          timeouts: {request: 500ms}
          backendRefs: [{name: a, port: 8443}]
        - matches: [{path: {type: PathPrefix, value: /slowbackend}}]
          timeouts: {backendRequest: 300ms}
          backendRefs: [{name: a, port: 8443}]
        - matches: [{path: {type: PathPrefix, value: /granted}}]
          backendRefs: [{name: b, namespace: granted, port: 8443}]
        - matches: [{path: {type: PathPrefix, value: /ungranted}}]
          backendRefs: [{name: b, namespace: ungranted, port: 8443}]
        - matches: [{path: {type: PathPrefix, value: /nobackend}}]
        - matches: [{path: {type: PathPrefix, value: /missing}}]
          backendRefs: [{name: no-such-service, port: 8443}]
        - matches: [{path: {type: PathPrefix, value: /empty}}]
          backendRefs: [{name: empty, port: 8443}]
        - matches: [{path: {type: PathPrefix, value: /retry}}]
          backendRefs: [{name: half-down, port: 8443}]
        - matches: [{path: {type: PathPrefix, value: /}}]
          backendRefs: [{name: a, port: 8443}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata:
        name: weights
        namespace: default
      spec:
        parentRefs: [{name: web, sectionName: http}]
        hostnames: ["weights.example.com"]
        rules:
        - backendRefs:
          - {name: a, port: 8443, weight: 3}
          - {name: b, port: 8443, weight: 1}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata:
        name: mirror
        namespace: default
      spec:
        parentRefs: [{name: web, sectionName: http}]
        hostnames: ["mirror.example.com"]
        rules:
        - filters:
          - type: RequestMirror
            requestMirror: {backendRef: {name: b, port: 8443}}
          backendRefs: [{name: a, port: 8443}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata:
        name: app
        namespace: default
      spec:
        parentRefs: [{name: web, sectionName: https}]
        rules:
        - backendRefs: [{name: b, port: 8443}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: TLSRoute
      metadata:
        name: pass
        namespace: default
      spec:
        parentRefs: [{name: web, sectionName: pass}]
        hostnames: ["pass.example.com"]
        rules:
        - backendRefs: [{name: pass, port: 8443}]
      """;

  @BeforeAll
  static void start(org.junit.jupiter.api.TestInfo info) throws Exception {
    a = new EchoHttpBackend("a");
    b = new EchoHttpBackend("b");
    passBackend = new TlsBackend("pass", "pass.example.com");
    // a port held by a socket that is bound but never listens: connections to it are refused, and
    // no server started later (a management port of 0, say) can be given it
    closedPortHolder = new java.net.Socket();
    closedPortHolder.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
    closedPort = closedPortHolder.getLocalPort();
    httpPort = Fixtures.freePort();
    tlsPort = Fixtures.freePort();
    appCert = Certificates.selfSignedPem("app.example.com");
    Files.writeString(folder.resolve("secret.yaml"), appCert.secret("default", "app-cert"));
    Files.writeString(folder.resolve("all.yaml"), join(GATEWAY_CLASS, GATEWAY.formatted(httpPort, tlsPort),
        service("default", "a", a.port()), service("default", "b", b.port()), service("default", "pass", passBackend.port()),
        service("default", "half-down", closedPort, a.port()), emptyService(), ROUTES,
        service("granted", "b", b.port()), service("ungranted", "b", b.port()), """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata:
              name: httproutes-from-default
              namespace: granted
            spec:
              from:
              - group: gateway.networking.k8s.io
                kind: HTTPRoute
                namespace: default
              to:
              - group: ""
                kind: Service
            """));
    passage = new RunningPassage(folder, "passage.proxy.access-log = on" + TlsProviderUnderTest.Of.config(info));
  }

  static String emptyService() {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: empty
          namespace: default
        spec:
          ports:
          - name: https
            protocol: TCP
            port: 8443
        """;
  }

  @AfterAll
  static void stop() throws IOException {
    if (closedPortHolder != null) closedPortHolder.close();
    if (passage != null) passage.close();
    if (a != null) a.close();
    if (b != null) b.close();
    if (passBackend != null) passBackend.close();
  }

  static HttpResponse<String> get(String host, String pathAndQuery, String... headers) throws Exception {
    return send("GET", host, pathAndQuery, headers);
  }

  static HttpResponse<String> send(String method, String host, String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + pathAndQuery))
        .timeout(Duration.ofSeconds(20)).header("Host", host).method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) r.header(headers[i], headers[i + 1]);
    return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String backendOf(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), () -> "status of " + r.uri() + ": " + r.body());
    return r.body().lines().filter(l -> l.startsWith("backend=")).findFirst().orElseThrow().substring(8);
  }

  static List<String> lines(HttpResponse<String> r, String prefix) {
    return r.body().lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
  }

  static String rule(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), () -> "status of " + r.uri() + ": " + r.body());
    return lines(r, "header:x-rule=").get(0);
  }

  @Test
  void eachMatchKindAndThePrecedenceBetweenThem() throws Exception {
    String h = "match.example.com";
    assertEquals("r0", rule(get(h, "/exact")), "Exact");
    assertEquals("r0", rule(get(h, "/exact", "Version", "two")), "an Exact path beats a header match");
    assertEquals("r3", rule(get(h, "/exact/", "Version", "two")), "Exact is the whole path");
    assertEquals("r6", rule(get(h, "/exact/")), "PathPrefix / takes the rest");
    assertEquals("r1", rule(get(h, "/prefix")), "PathPrefix");
    assertEquals("r1", rule(get(h, "/prefix/")), "PathPrefix, trailing slash");
    assertEquals("r2", rule(get(h, "/prefix/longer/x")), "the longest prefix wins");
    assertEquals("r6", rule(get(h, "/prefixes")), "PathPrefix matches whole segments only");
    assertEquals("r2", rule(get(h, "/prefix/longer", "Version", "two")), "a longer prefix beats a header match");
    assertEquals("r3", rule(get(h, "/", "version", "two")), "header names are case-insensitive");
    assertEquals("r6", rule(get(h, "/", "Version", "Two")), "header values are case-sensitive");
    assertEquals("r4", rule(get(h, "/?animal=whale")), "query parameter");
    assertEquals("r6", rule(get(h, "/?ANIMAL=whale")), "query names are case-sensitive");
    assertEquals("r3", rule(get(h, "/?animal=whale", "Version", "two")), "a header match beats a query match");
    assertEquals("r5", rule(send("PATCH", h, "/", "Version", "two")), "a method match beats a header match");
    assertEquals("r6", rule(send("DELETE", h, "/")), "another method goes by path");
    assertEquals(404, get("nothing.example.com", "/").statusCode(), "no route for the host");
  }

  @Test
  void headerModifiersEditTheRequestAndTheResponse() throws Exception {
    HttpResponse<String> r = get("filters.example.com", "/headers", "X-Set", "old", "X-Add", "existing", "X-Remove", "gone",
        "X-Echo-Set-Header", "X-Drop-Me: yes", "Connection", "X-Hop", "X-Hop", "hop-by-hop");
    assertEquals("a", backendOf(r));
    assertEquals(List.of("set-value"), lines(r, "header:x-set="));
    assertEquals(List.of("added", "existing"), lines(r, "header:x-add=").stream().sorted().toList());
    assertEquals(List.of(), lines(r, "header:x-remove="));
    assertEquals(List.of(), lines(r, "header:x-hop="), "a header named in Connection is hop-by-hop");
    assertEquals(List.of("filters.example.com"), lines(r, "header:host="), "Host is kept");
    assertEquals(List.of("127.0.0.1"), lines(r, "header:x-forwarded-for="));
    assertEquals(List.of("http"), lines(r, "header:x-forwarded-proto="));
    assertEquals(List.of("from-gateway"), r.headers().allValues("X-Response"));
    assertEquals(List.of(), r.headers().allValues("X-Drop-Me"), "removed from the response");
    assertEquals(List.of("a"), r.headers().allValues("Backend"), "the backend's own response headers pass");
  }

  @Test
  void redirectsAndRewrites() throws Exception {
    HttpResponse<String> toHttps = get("filters.example.com:" + httpPort, "/redirect/x?q=1");
    assertEquals(301, toHttps.statusCode());
    assertEquals("https://filters.example.com/redirect/x?q=1", toHttps.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> port = get("filters.example.com", "/portredirect");
    assertEquals(307, port.statusCode());
    assertEquals("http://filters.example.com:8443/portredirect", port.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> moved = get("filters.example.com", "/moved/thing");
    assertEquals(302, moved.statusCode(), "302 by default");
    assertEquals("http://elsewhere.example.org:" + httpPort + "/new/thing", moved.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> rewritten = get("filters.example.com", "/old/thing?k=v");
    assertEquals(List.of("/new/thing"), lines(rewritten, "path="));
    assertEquals(List.of("k=v"), lines(rewritten, "query="));
    assertEquals(List.of("rewritten.example.org"), lines(rewritten, "header:host="));
    assertEquals(List.of("/new"), lines(get("filters.example.com", "/old"), "path="), "the whole prefix replaced");
  }

  @Test
  void failuresAnswerWithTheStatusTheSpecificationAsks() throws Exception {
    assertEquals(500, get("filters.example.com", "/nobackend").statusCode(), "a rule without backends");
    assertEquals(500, get("filters.example.com", "/missing").statusCode(), "an invalid backend's share");
    assertEquals(503, get("filters.example.com", "/empty").statusCode(), "a Service without ready endpoints");
    assertEquals("b", backendOf(get("filters.example.com", "/granted")), "another namespace, under a ReferenceGrant");
    assertEquals(500, get("filters.example.com", "/ungranted").statusCode(), "another namespace without a grant");
    long b0 = System.nanoTime();
    assertEquals(504, get("filters.example.com", "/slowbackend?ms=3000").statusCode(), "timeouts.backendRequest 300ms");
    long backendMs = (System.nanoTime() - b0) / 1_000_000;
    assertTrue(backendMs >= 250 && backendMs < 2500, "answered after the backend timeout: " + backendMs + " ms");
    long t0 = System.nanoTime();
    HttpResponse<String> slow = get("filters.example.com", "/slow?ms=5000");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(504, slow.statusCode(), "timeouts.request 500ms");
    assertTrue(ms >= 450 && ms < 4000, "answered after the route's timeout, not the backend's 5 s: " + ms + " ms");
    String status = passage.get("/passage/status").body();
    assertTrue(status.contains("filter RequestMirror is not supported"), status);
    assertTrue(status.contains("no ReferenceGrant in namespace ungranted allows HTTPRoutes from default"), status);
    assertEquals(404, get("mirror.example.com", "/").statusCode(), "a route whose only rule was dropped serves nothing");
  }

  @Test
  void aRefusedEndpointIsSkippedForIdempotentRequests() throws Exception {
    // half-down's endpoints are a closed port and a; each request tries them in a random order
    int before = a.requests.get();
    for (int i = 0; i < 20; i++) assertEquals("a", backendOf(get("filters.example.com", "/retry")), "request " + i);
    assertEquals(before + 20, a.requests.get(), "each request reached a exactly once");
    HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/retry"))
        .header("Host", "filters.example.com").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString("once")).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(post.statusCode() == 200 || post.statusCode() == 502,
        "a POST is sent once: to a (200) or to the closed port (502), never to both: " + post.statusCode());
  }

  /** Each request counted on its HTTPRoute and backend, by status class, with its duration. */
  @Test
  void requestsAreCountedPerRoute() throws Exception {
    java.util.Map<String, String> route = java.util.Map.of("gateway", "default/web", "listener", "http", "route", "default/weights");
    dev.passage.testkit.Scrape before = dev.passage.testkit.Scrape.of(passage);
    double ok = before.sum("passage_route_http_requests_total", withCode(route, "2xx"));
    long timed = before.points("passage_route_http_request_duration_seconds", route).stream()
        .mapToLong(m -> m.getHistogram().getSampleCount()).sum();
    for (int i = 0; i < 5; i++) assertEquals(200, get("weights.example.com", "/").statusCode());
    dev.passage.testkit.Scrape after = dev.passage.testkit.Scrape.of(passage);
    assertEquals(ok + 5, after.sum("passage_route_http_requests_total", withCode(route, "2xx")));
    assertEquals(timed + 5, after.points("passage_route_http_request_duration_seconds", route).stream()
        .mapToLong(m -> m.getHistogram().getSampleCount()).sum());
    assertTrue(after.points("passage_route_http_requests_total", route).stream()
        .allMatch(m -> java.util.Set.of("default/a:8443", "default/b:8443").contains(dev.passage.testkit.Scrape.labels(m).get("backend"))),
        "labelled with the backend each went to");
  }

  private static java.util.Map<String, String> withCode(java.util.Map<String, String> labels, String code) {
    java.util.Map<String, String> out = new java.util.HashMap<>(labels);
    out.put("code", code);
    return out;
  }

  @Test
  void weightsSplitRequests() throws Exception {
    int toA = 0;
    int n = 200;
    for (int i = 0; i < n; i++) if (backendOf(get("weights.example.com", "/")).equals("a")) toA++;
    // weight 3:1, binomial(200, 0.75): mean 150, sd 6.1; a band of 5 sd
    assertTrue(Math.abs(toA - 150) <= 31, "requests to a: " + toA + " of " + n);
  }

  @Test
  void sixtyFourMebibytesStreamBothWays() throws Exception {
    long size = 64L << 20;
    String expected = HexFormat.of().formatHex(sha256(EchoHttpBackend.content(size)));
    HttpRequest upload = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/upload"))
        .header("Host", "filters.example.com").timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> EchoHttpBackend.content(size))).build();
    HttpResponse<String> up = client.send(upload, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, up.statusCode(), up.body());
    assertEquals(List.of(expected), lines(up, "sha256="));
    assertEquals(List.of(String.valueOf(size)), lines(up, "length="));
    HttpRequest download = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/download?bytes=" + size))
        .header("Host", "filters.example.com").timeout(Duration.ofSeconds(60)).build();
    HttpResponse<InputStream> down = client.send(download, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, down.statusCode());
    try (InputStream in = down.body()) {
      assertEquals(expected, HexFormat.of().formatHex(sha256(in)));
    }
  }

  /**
   * "Connection: close" over HTTPS: the response, then close_notify and the end of the connection
   * (BoringSSL's engine held its close_notify back from Pekko's TLS stage: the client waited).
   */
  @Test
  void anHttpsResponseToConnectionCloseEndsTheConnection() throws Exception {
    try (javax.net.ssl.SSLSocket tls = dev.passage.testkit.TlsClient.connect(trusting(appCert), "127.0.0.1", tlsPort,
        "app.example.com")) {
      tls.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n"
          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      tls.getOutputStream().flush();
      // fails unless the connection ends within the socket's read timeout
      String answer = new String(dev.passage.testkit.TlsClient.readToEnd(tls.getInputStream()),
          java.nio.charset.StandardCharsets.ISO_8859_1);
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      assertTrue(answer.contains("backend=b"), answer);
    }
  }

  @Test
  void httpsAndPassthroughShareAPortAndTheSniChooses() throws Exception {
    HttpClient tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trusting(appCert))
        .sslParameters(sni("app.example.com")).connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = tls.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tlsPort + "/hello"))
        .header("Host", "app.example.com").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals("b", backendOf(r));
    assertEquals(List.of("https"), lines(r, "header:x-forwarded-proto="));
    assertEquals(List.of("/hello"), lines(r, "path="));
    assertEquals(HttpClient.Version.HTTP_1_1, r.version());

    // HTTP/2, chosen by ALPN: several requests at once on one connection, each routed
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trusting(appCert))
        .sslParameters(sni("app.example.com")).connectTimeout(Duration.ofSeconds(5)).build();
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> concurrent = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      concurrent.add(h2.sendAsync(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tlsPort + "/h2/" + i))
          .header("Host", "app.example.com").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> r2 = concurrent.get(i).get(20, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(HttpClient.Version.HTTP_2, r2.version(), "ALPN chose h2");
      assertEquals("b", backendOf(r2));
      assertEquals(List.of("/h2/" + i), lines(r2, "path="));
      assertEquals(List.of("app.example.com"), lines(r2, "header:host="));
    }
    try (TlsClient c = TlsClient.connect(tlsPort, "pass.example.com")) {
      assertEquals("hello from pass sni=pass.example.com", c.greeting, "passthrough on the same port");
    }
  }

  static javax.net.ssl.SSLParameters sni(String name) {
    javax.net.ssl.SSLParameters p = new javax.net.ssl.SSLParameters();
    p.setServerNames(List.of(new javax.net.ssl.SNIHostName(name)));
    p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"}); // without them the JDK client offers no ALPN, so no h2
    return p;
  }

  static SSLContext trusting(Certificates.Pem pem) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("listener", pem.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  static byte[] sha256(InputStream in) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[65536];
    for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
    return sha.digest();
  }
}
