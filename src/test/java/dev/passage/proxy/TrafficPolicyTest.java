package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Certificates;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.PlainBackend;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.Scrape;
import dev.passage.testkit.TlsBackend;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TrafficPolicy served by the data plane, standalone, with real sockets and TLS:
 * <ul>
 *   <li>PROXY protocol v2 before the first byte, for a TLS passthrough route (the backend then does
 *       its own handshake), a terminated one and a TCP one: every byte of the header read by a
 *       parser of ours (addresses, ports, each TLV: Authority the SNI, ALPN the client's first
 *       offer, UniqueID the connection's id, different for each connection);</li>
 *   <li>connection limits: of ten clients at once, exactly maxConcurrent get through, the others
 *       are closed and counted per route with reason policy_limit; a per-second limit bounds a
 *       burst;</li>
 *   <li>outlier detection: an endpoint that refuses connections is ejected after one failure, and no
 *       later connection meets it;</li>
 *   <li>health checks (TLS, with an SNI): a backend that goes away is found unhealthy by the checks
 *       and gets no connection, then healthy again when it comes back; its certificate's expiry is
 *       a metric;</li>
 *   <li>drain: routes moved under established connections: Close closes at once, Drain after its
 *       time, Keep never, and a route that did not change keeps its connections.</li>
 * </ul>
 */
class TrafficPolicyTest {
  @TempDir
  static Path folder;
  static RunningPassage passage;
  static HeaderBackend tlsHeaders, plainHeaders;
  static PlainBackend echo, before, after, steadyBackend;
  static TlsBackend good;
  static Flapping flap;
  static Certificates.Identity backendIdentity = Certificates.selfSigned("api.example.com");
  static Certificates.Identity flapIdentity = Certificates.selfSigned("flappy.example.com");
  static int passthrough, terminate, tcp, limited, rated, keep, close, drain, steady, eject, health;
  static int closedPort;

  static String gateway() {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          gatewayClassName: passage
          listeners:
          - {name: passthrough, protocol: TLS, port: %d, tls: {mode: Passthrough}}
          - {name: terminate, protocol: TLS, port: %d, hostname: secure.example.com,
             tls: {mode: Terminate, certificateRefs: [{name: secure-cert}]}}
          - {name: tcp, protocol: TCP, port: %d}
          - {name: limited, protocol: TCP, port: %d}
          - {name: rated, protocol: TCP, port: %d}
          - {name: keep, protocol: TCP, port: %d}
          - {name: close, protocol: TCP, port: %d}
          - {name: drain, protocol: TCP, port: %d}
          - {name: steady, protocol: TCP, port: %d}
          - {name: eject, protocol: TCP, port: %d}
          - {name: health, protocol: TLS, port: %d, tls: {mode: Passthrough}}
        """.formatted(passthrough, terminate, tcp, limited, rated, keep, close, drain, steady, eject, health);
  }

  static String route(String kind, String name, String section, String hostnames, String backend) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: %s
        metadata: {name: %s, namespace: default}
        spec:
          parentRefs: [{name: edge, sectionName: %s}]
          %s
          rules: [{backendRefs: [{name: %s, port: 8443}]}]
        """.formatted(kind, name, section, hostnames.isEmpty() ? "" : "hostnames: [" + hostnames + "]", backend);
  }

  static String policy(String name, String target, String body) {
    return """
        apiVersion: passage.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: %s, namespace: default}
        spec:
          targetRefs: [%s]
        %s""".formatted(name, target, body.indent(2));
  }

  static String tcpRoute(String name, String backend) {
    return route("TCPRoute", name, name, "", backend);
  }

  /** The three drained routes and the steady one, their backend before or after the move. */
  static String drainRoutes(String backend) {
    return join(tcpRoute("keep", backend), tcpRoute("close", backend), tcpRoute("drain", backend),
        tcpRoute("steady", "steady"));
  }

  @BeforeAll
  static void start() throws Exception {
    tlsHeaders = new HeaderBackend(backendIdentity.serverContext());
    plainHeaders = new HeaderBackend(null);
    echo = new PlainBackend();
    before = new PlainBackend("220 before", Duration.ZERO);
    after = new PlainBackend("220 after", Duration.ZERO);
    steadyBackend = new PlainBackend("220 steady", Duration.ZERO);
    good = new TlsBackend("good", "flappy.example.com");
    flap = new Flapping(flapIdentity.serverContext());
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // nothing listens here: a connect is refused
    }
    passthrough = Fixtures.freePort();
    terminate = Fixtures.freePort();
    tcp = Fixtures.freePort();
    limited = Fixtures.freePort();
    rated = Fixtures.freePort();
    keep = Fixtures.freePort();
    close = Fixtures.freePort();
    drain = Fixtures.freePort();
    steady = Fixtures.freePort();
    eject = Fixtures.freePort();
    health = Fixtures.freePort();
    Certificates.Pem secure = Certificates.selfSignedPem("secure.example.com");
    Files.writeString(folder.resolve("all.yaml"), join(GATEWAY_CLASS, gateway(), secure.secret("default", "secure-cert"),
        service("default", "tls-headers", tlsHeaders.port()), service("default", "plain-headers", plainHeaders.port()),
        service("default", "echo", echo.port()), service("default", "before", before.port()),
        service("default", "after", after.port()), service("default", "steady", steadyBackend.port()),
        service("default", "ejecting", closedPort, echo.port()), service("default", "flappy", flap.port, good.port()),
        route("TLSRoute", "pp-tls", "passthrough", "api.example.com", "tls-headers"),
        route("TLSRoute", "pp-terminate", "terminate", "secure.example.com", "plain-headers"),
        route("TCPRoute", "pp-tcp", "tcp", "", "plain-headers"),
        tcpRoute("limited", "echo"), tcpRoute("rated", "echo"), tcpRoute("eject", "ejecting"),
        route("TLSRoute", "flappy", "health", "flappy.example.com", "flappy"),
        policy("headers-tls", "{group: \"\", kind: Service, name: tls-headers}",
            "proxyProtocol: {version: V2, tlvs: [Authority, ALPN, UniqueID]}"),
        policy("headers-plain", "{group: \"\", kind: Service, name: plain-headers}",
            "proxyProtocol: {version: V2, tlvs: [Authority, UniqueID]}"),
        policy("limited", "{group: gateway.networking.k8s.io, kind: TCPRoute, name: limited}",
            "connections: {maxConcurrent: 2}"),
        policy("rated", "{group: gateway.networking.k8s.io, kind: TCPRoute, name: rated}",
            "connections: {maxPerSecond: 3}"),
        // a Gateway-wide limit that the route's own overrides, and that the other listeners share
        policy("gateway", "{group: gateway.networking.k8s.io, kind: Gateway, name: edge}",
            "connections: {maxConcurrent: 1000}"),
        policy("keep", "{group: gateway.networking.k8s.io, kind: TCPRoute, name: keep}", "drain: {mode: Keep}"),
        policy("close", "{group: gateway.networking.k8s.io, kind: TCPRoute, name: close}", "drain: {mode: Close}"),
        policy("drain", "{group: gateway.networking.k8s.io, kind: TCPRoute, name: drain}", "drain: {mode: Drain, within: 4s}"),
        policy("steady", "{group: gateway.networking.k8s.io, kind: TCPRoute, name: steady}", "drain: {mode: Close}"),
        policy("eject", "{group: \"\", kind: Service, name: ejecting}",
            "outlierDetection: {consecutiveConnectFailures: 1, ejectionTime: 10m, maxEjectedPercent: 50}"),
        policy("health", "{group: \"\", kind: Service, name: flappy}", """
            healthCheck: {interval: 200ms, timeout: 150ms, unhealthyThreshold: 2, healthyThreshold: 2,
                          tls: {sni: flappy.example.com}}""")));
    Files.writeString(folder.resolve("drained.yaml"), drainRoutes("before"));
    passage = new RunningPassage(folder, "");
  }

  @AfterAll
  static void stop() throws IOException {
    if (passage != null) passage.close();
    for (AutoCloseable c : new AutoCloseable[] {tlsHeaders, plainHeaders, echo, before, after, steadyBackend, good, flap}) {
      try {
        if (c != null) c.close();
      } catch (Exception ignored) {
        // closing test backends
      }
    }
  }

  // ---- PROXY protocol v2 ----

  static final String ID = "[0-9a-f]{8}-[0-9a-z]+";

  @Test
  void passthroughBackendsReadAProxyHeaderThenTheClientsOwnHandshake() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      int before = tlsHeaders.headers.size();
      try (Socket raw = connect(passthrough)) {
        SSLSocket tls = clientTls(raw, "api.example.com", List.of("h2", "http/1.1"));
        BufferedReader in = reader(tls);
        assertEquals("hello sni=api.example.com", in.readLine(), "the backend's own handshake, after the header");
        byte[] header = tlsHeaders.headers.get(before);
        ProxyProtocolV2Test.Parsed p = ProxyProtocolV2Test.parse(header);
        assertEquals(InetAddress.getByName("127.0.0.1"), p.src());
        assertEquals(raw.getLocalPort(), p.srcPort(), "the client's port");
        assertEquals(InetAddress.getByName("127.0.0.1"), p.dst());
        assertEquals(passthrough, p.dstPort(), "the listener's port");
        assertEquals(List.of(0x02, 0x01, 0x05), p.tlvTypesAndLengths().stream().map(t -> t[0]).toList(), "Authority, ALPN, UniqueID");
        assertArrayEquals("api.example.com".getBytes(StandardCharsets.US_ASCII), p.tlvValues().get(0));
        assertArrayEquals("h2".getBytes(StandardCharsets.US_ASCII), p.tlvValues().get(1), "the client's first ALPN offer");
        String id = new String(p.tlvValues().get(2), StandardCharsets.US_ASCII);
        assertTrue(id.matches(ID), id);
        ids.add(id);
        tls.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
        tls.getOutputStream().flush();
        assertEquals("plain:ping", in.readLine(), "then the bytes both ways, through TLS end to end");
      }
    }
    assertNotEquals(ids.get(0), ids.get(1), "each connection its own UniqueID");
  }

  @Test
  void terminatedAndTcpRoutesSendTheHeaderBeforeThePlaintext() throws Exception {
    int before = plainHeaders.headers.size();
    try (Socket raw = connect(terminate)) {
      SSLSocket tls = clientTls(raw, "secure.example.com", List.of());
      tls.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
      tls.getOutputStream().flush();
      assertEquals("plain:hi", reader(tls).readLine());
      ProxyProtocolV2Test.Parsed p = ProxyProtocolV2Test.parse(plainHeaders.headers.get(before));
      assertEquals(raw.getLocalPort(), p.srcPort());
      assertEquals(terminate, p.dstPort());
      assertEquals(List.of(0x02, 0x05), p.tlvTypesAndLengths().stream().map(t -> t[0]).toList(), "Authority, UniqueID as listed");
      assertArrayEquals("secure.example.com".getBytes(StandardCharsets.US_ASCII), p.tlvValues().get(0));
      assertArrayEquals("hi\n".getBytes(StandardCharsets.US_ASCII), plainHeaders.afterHeader.get(before),
          "the plaintext right after the header");
    }
    before = plainHeaders.headers.size();
    try (Socket s = connect(tcp)) {
      s.getOutputStream().write("raw\n".getBytes(StandardCharsets.US_ASCII));
      assertEquals("plain:raw", reader(s).readLine());
      ProxyProtocolV2Test.Parsed p = ProxyProtocolV2Test.parse(plainHeaders.headers.get(before));
      assertEquals(s.getLocalPort(), p.srcPort());
      assertEquals(tcp, p.dstPort());
      // a TCP connection has no SNI: no Authority, whatever the list says
      assertEquals(List.of(0x05), p.tlvTypesAndLengths().stream().map(t -> t[0]).toList());
    }
    assertTrue(metric("passage_proxy_protocol_headers_total") >= 2);
  }

  // ---- limits ----

  @Test
  void ofTenClientsAtOnceExactlyMaxConcurrentGetThrough() throws Exception {
    double refusedBefore = metric("passage_connections_refused_total", Map.of("reason", "policy_limit"));
    int clients = 10;
    CountDownLatch tried = new CountDownLatch(clients);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Boolean>> served = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        served.add(pool.submit(() -> {
          try (Socket s = connect(limited)) {
            s.getOutputStream().write("hold\n".getBytes(StandardCharsets.US_ASCII));
            String answer;
            try {
              answer = reader(s).readLine();
            } catch (IOException e) {
              answer = null;
            }
            tried.countDown();
            tried.await(20, TimeUnit.SECONDS); // every client holds its connection until all have tried
            return "plain:hold".equals(answer);
          }
        }));
      }
      int through = 0;
      for (Future<Boolean> f : served) if (f.get(30, TimeUnit.SECONDS)) through++;
      assertEquals(2, through, "maxConcurrent 2 (the Gateway's 1000 overridden by the route's)");
    } finally {
      pool.shutdownNow();
    }
    assertEquals(8, metric("passage_connections_refused_total", Map.of("reason", "policy_limit")) - refusedBefore, 0.0);
    assertTrue(metric("passage_route_connections_total", Map.of("route", "default/limited", "outcome", "policy_limit")) >= 8,
        "counted on the route's own series");
    // the places are given back: a new client gets through once the others have gone
    Await.until(Duration.ofSeconds(10), "a place under the limit again", () -> {
      try (Socket s = connect(limited)) {
        s.getOutputStream().write("again\n".getBytes(StandardCharsets.US_ASCII));
        return "plain:again".equals(reader(s).readLine());
      }
    });
  }

  @Test
  void aBurstIsBoundedByMaxPerSecond() throws Exception {
    long start = System.nanoTime();
    int through = 0;
    int tried = 12;
    for (int i = 0; i < tried; i++) {
      try (Socket s = connect(rated)) {
        s.getOutputStream().write("x\n".getBytes(StandardCharsets.US_ASCII));
        if ("plain:x".equals(reader(s).readLine())) through++;
      } catch (IOException refused) {
        // closed by Passage: the limit
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // a bucket of 3, refilled at 3 a second while the burst lasted
    assertTrue(through >= 3, "the bucket's first three: " + through);
    assertTrue(through <= 3 + (int) Math.ceil(seconds * 3), through + " of " + tried + " in " + seconds + " s");
    assertTrue(through < tried, "some were refused");
  }

  // ---- ejection ----

  @Test
  void anEndpointThatRefusesIsEjectedAndNotMetAgain() throws Exception {
    double failuresBefore = metric("passage_backend_connect_failures_total");
    for (int i = 0; i < 20; i++) {
      try (Socket s = connect(eject)) {
        s.getOutputStream().write("e\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("plain:e", reader(s).readLine(), "every connection served (the refusing endpoint skipped)");
      }
    }
    // without ejection about half of 20 connections would try the refusing endpoint first
    assertEquals(1, metric("passage_backend_connect_failures_total") - failuresBefore, 0.0,
        "one connect failure, then the endpoint was out");
    assertEquals(1, metric("passage_endpoint_ejections_total"), 0.0);
    assertEquals(0, metric("passage_endpoint_healthy", Map.of("endpoint", "127.0.0.1:" + closedPort)), 0.0);
    assertEquals(1, metric("passage_endpoint_healthy", Map.of("endpoint", "127.0.0.1:" + echo.port())), 0.0,
        "maxEjectedPercent 50 of two: the other stays");
  }

  // ---- health checks ----

  @Test
  void anEndpointFoundUnhealthyGetsNoConnectionUntilItIsHealthyAgain() throws Exception {
    Map<String, String> flapping = Map.of("endpoint", "127.0.0.1:" + flap.port);
    Await.until(Duration.ofSeconds(15), "both endpoints checked", () -> metricOr("passage_backend_certificate_expiry_seconds",
        Map.of("endpoint", "127.0.0.1:" + good.port())) > 0 && metricOr("passage_backend_certificate_expiry_seconds", flapping) > 0);
    assertEquals(flapIdentity.certificate().getNotAfter().toInstant().getEpochSecond(),
        metric("passage_backend_certificate_expiry_seconds", flapping), 0.0, "the expiry the TLS check saw");
    assertTrue(servedBy(20).contains("flap"), "both endpoints take connections while healthy");

    flap.stop();
    Await.until(Duration.ofSeconds(15), "the checks find it unhealthy", () -> metric("passage_endpoint_healthy", flapping) == 0);
    double failuresBefore = metric("passage_backend_connect_failures_total");
    List<String> down = servedBy(20);
    assertTrue(down.stream().allMatch("good"::equals), "only the healthy endpoint: " + down);
    assertEquals(failuresBefore, metric("passage_backend_connect_failures_total"), 0.0,
        "no client met the dead endpoint (without checks about half would have)");

    flap.start();
    Await.until(Duration.ofSeconds(15), "healthy again", () -> metric("passage_endpoint_healthy", flapping) == 1);
    assertTrue(servedBy(20).contains("flap"), "connections reach it again");
    assertTrue(metric("passage_health_checks_total", Map.of("result", "failed")) >= 2);
  }

  /** Which backend served each of n connections to the health listener ("good" or "flap"). */
  static List<String> servedBy(int n) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try (Socket raw = connect(health)) {
        SSLSocket tls = clientTls(raw, "flappy.example.com", List.of());
        String hello = reader(tls).readLine();
        out.add(hello.startsWith("hello from good") ? "good" : hello.startsWith("flap") ? "flap" : hello);
      }
    }
    return out;
  }

  // ---- drain ----

  @Test
  void aMovedRouteClosesDrainsOrKeepsItsConnectionsAsItsPolicySays() throws Exception {
    try (Socket k = connect(keep); Socket c = connect(close); Socket d = connect(drain); Socket s = connect(steady)) {
      BufferedReader kIn = reader(k), cIn = reader(c), dIn = reader(d), sIn = reader(s);
      assertEquals("220 before", kIn.readLine());
      assertEquals("220 before", cIn.readLine());
      assertEquals("220 before", dIn.readLine());
      assertEquals("220 steady", sIn.readLine());
      long closedBefore = (long) metric("passage_connections_drained_total", Map.of("mode", "Close"));

      long moved = System.nanoTime();
      Files.writeString(folder.resolve("drained.yaml"), drainRoutes("after"));
      // probed on the Keep listener: a probe routed just before the move is not closed and counted
      Await.until(Duration.ofSeconds(10), "new connections follow the move", () -> {
        try (Socket n = connect(keep)) {
          return "220 after".equals(reader(n).readLine());
        }
      });
      c.setSoTimeout(5_000);
      assertNull(readOrNull(cIn), "Close: closed at once (FIN)");
      // Drain: still relaying within its 4 s
      assertTrue(System.nanoTime() - moved < Duration.ofSeconds(4).toNanos(), "the check below runs within the drain time");
      assertEquals("plain:still", roundTrip(d, dIn, "still"), "Drain: open while its time runs");
      d.setSoTimeout(15_000);
      assertNull(readOrNull(dIn), "Drain: closed once its time ran out");
      assertTrue(System.nanoTime() - moved >= Duration.ofSeconds(4).toNanos() - Duration.ofMillis(200).toNanos(),
          "not before its time");
      assertEquals("plain:kept", roundTrip(k, kIn, "kept"), "Keep: never closed");
      assertEquals("plain:steady", roundTrip(s, sIn, "steady"), "an unchanged route (with Close) keeps its connections");
      assertEquals(1, metric("passage_connections_drained_total", Map.of("mode", "Close")) - closedBefore, 0.0);
      assertTrue(metric("passage_connections_drained_total", Map.of("mode", "Drain")) >= 1);
    }
  }

  static String roundTrip(Socket s, BufferedReader in, String line) throws IOException {
    s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return in.readLine();
  }

  static String readOrNull(BufferedReader in) throws IOException {
    try {
      return in.readLine();
    } catch (SocketTimeoutException e) {
      return "(still open)";
    } catch (IOException e) {
      return null; // reset: closed too
    }
  }

  // ---- helpers ----

  static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(10_000);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    return s;
  }

  static BufferedReader reader(Socket s) throws IOException {
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
  }

  static SSLSocket clientTls(Socket raw, String sni, List<String> alpn) throws IOException {
    SSLSocket tls = (SSLSocket) Certificates.trustingClient().getSocketFactory().createSocket(raw, sni, raw.getPort(), true);
    SSLParameters p = tls.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    if (!alpn.isEmpty()) p.setApplicationProtocols(alpn.toArray(String[]::new));
    tls.setSSLParameters(p);
    tls.setUseClientMode(true);
    tls.startHandshake();
    return tls;
  }

  static double metric(String name) throws Exception {
    return Scrape.of(passage).sum(name, Map.of());
  }

  static double metric(String name, Map<String, String> labels) throws Exception {
    return Scrape.of(passage).sum(name, labels);
  }

  static double metricOr(String name, Map<String, String> labels) {
    try {
      return metric(name, labels);
    } catch (Exception | AssertionError e) {
      return 0;
    }
  }

  /**
   * A backend that reads a PROXY protocol v2 header (exactly its bytes) before anything else,
   * then does a TLS handshake of its own (tls) or not, and answers each line with "plain:" + the
   * line; records each header and the first bytes after it.
   */
  static final class HeaderBackend implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final SSLContext tls;
    final List<byte[]> headers = new CopyOnWriteArrayList<>();
    final List<byte[]> afterHeader = new CopyOnWriteArrayList<>();

    HeaderBackend(SSLContext tls) throws IOException {
      this.tls = tls;
      Thread t = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            Thread c = new Thread(() -> serve(s), "header-conn");
            c.setDaemon(true);
            c.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "header-backend");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve(Socket raw) {
      try (raw) {
        DataInputStream in = new DataInputStream(raw.getInputStream());
        byte[] fixed = new byte[16];
        in.readFully(fixed);
        byte[] rest = new byte[((fixed[14] & 0xff) << 8) | (fixed[15] & 0xff)];
        in.readFully(rest);
        byte[] header = new byte[16 + rest.length];
        System.arraycopy(fixed, 0, header, 0, 16);
        System.arraycopy(rest, 0, header, 16, rest.length);
        headers.add(header);
        Socket conn = raw;
        OutputStream out;
        if (tls != null) {
          SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
          s.setUseClientMode(false);
          s.startHandshake();
          String sni = ((ExtendedSSLSession) s.getSession()).getRequestedServerNames().stream()
              .map(n -> ((SNIHostName) n).getAsciiName()).findFirst().orElse("");
          conn = s;
          out = s.getOutputStream();
          out.write(("hello sni=" + sni + "\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
        } else {
          out = raw.getOutputStream();
        }
        var input = conn.getInputStream();
        byte[] buf = new byte[4096];
        StringBuilder line = new StringBuilder();
        boolean first = true;
        for (int n; (n = input.read(buf)) > 0; ) {
          if (first) afterHeader.add(java.util.Arrays.copyOf(buf, n));
          first = false;
          line.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
          for (int nl; (nl = line.indexOf("\n")) >= 0; line.delete(0, nl + 1)) {
            out.write(("plain:" + line.substring(0, nl) + "\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
          }
        }
      } catch (IOException ignored) {
        // the client went away
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  /** A TLS backend on a fixed port that can go away and come back (its listening socket closed and opened again). */
  static final class Flapping implements AutoCloseable {
    final int port;
    final SSLContext context;
    private volatile ServerSocket server;

    Flapping(SSLContext context) throws IOException {
      this.context = context;
      try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      start();
    }

    void start() throws IOException {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
      server = s;
      Thread t = new Thread(() -> {
        while (!s.isClosed()) {
          try {
            Socket raw = s.accept();
            Thread c = new Thread(() -> {
              try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, null, raw.getPort(), true)) {
                tls.setUseClientMode(false);
                tls.startHandshake();
                tls.getOutputStream().write("flap\n".getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                tls.getInputStream().read(); // until the client closes
              } catch (IOException ignored) {
                // a health check closes at once
              }
            }, "flap-conn");
            c.setDaemon(true);
            c.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "flapping");
      t.setDaemon(true);
      t.start();
    }

    void stop() throws IOException {
      server.close();
    }

    @Override
    public void close() throws IOException {
      stop();
    }
  }
}
