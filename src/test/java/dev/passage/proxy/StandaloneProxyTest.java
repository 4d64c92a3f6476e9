package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.route;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.Fixtures.Backend;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import dev.passage.testkit.WireSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Passage standalone on a folder of YAML, with real TLS clients and real TLS backends that hold
 * their own keys: the tutorial's scenarios, the bytes end to end, and every way a connection is
 * refused.
 */
class StandaloneProxyTest {
  @TempDir
  static Path folder;

  static final List<TlsBackend> backends = new ArrayList<>();
  static TlsBackend api, admin, metrics, appRouter, crossNs, stable, canary, zero, one, retry, editA, editB, rewriteA, rewriteB;
  static int port;
  static RunningPassage passage;

  static TlsBackend backend(String name, String host) throws IOException {
    TlsBackend b = new TlsBackend(name, host);
    backends.add(b);
    return b;
  }

  @BeforeAll
  static void start() throws Exception {
    api = backend("api", "api.example.com");
    admin = backend("admin", "admin.example.com");
    metrics = backend("metrics", "metrics.example.com");
    appRouter = backend("app-router", "*.apps.example.com");
    crossNs = backend("cross-ns", "backend.example.com");
    stable = backend("stable", "canary.example.com");
    canary = backend("canary", "canary.example.com");
    zero = backend("zero", "split.example.com");
    one = backend("one", "split.example.com");
    retry = backend("retry", "retry.example.com");
    editA = backend("edit-a", "edit.example.com");
    editB = backend("edit-b", "edit.example.com");
    rewriteA = backend("rewrite-a", "rewrite.example.com");
    rewriteB = backend("rewrite-b", "rewrite.example.com");
    port = Fixtures.freePort();
    int refused = Fixtures.freePort();

    Files.writeString(folder.resolve("gateway.yaml"), join(GATEWAY_CLASS, Fixtures.passthroughGateway("gw", port)));
    Files.writeString(folder.resolve("services.yaml"), join(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: backend-namespace\n",
        service("default", "api-service", api.port()),
        service("default", "admin-service", admin.port()),
        service("default", "metrics-service", metrics.port()),
        service("default", "app-router-service", appRouter.port()),
        service("backend-namespace", "backend-service", crossNs.port()),
        service("locked-namespace", "locked-service", crossNs.port()),
        service("default", "api-stable", stable.port()),
        service("default", "api-canary", canary.port()),
        service("default", "zero-service", zero.port()),
        service("default", "one-service", one.port()),
        service("default", "retry-service", refused, retry.port()),
        service("default", "edit-a", editA.port()),
        service("default", "edit-b", editB.port()),
        service("default", "rewrite-a", rewriteA.port()),
        service("default", "rewrite-b", rewriteB.port())));
    Files.writeString(folder.resolve("routes.yaml"), join(
        route("api", "gw", List.of("api.example.com"), List.of(new Backend("api-service"))),
        route("admin", "gw", List.of("admin.example.com"), List.of(new Backend("admin-service"))),
        route("metrics", "gw", List.of("metrics.example.com"), List.of(new Backend("metrics-service"))),
        route("wildcard", "gw", List.of("*.apps.example.com"), List.of(new Backend("app-router-service"))),
        route("cross", "gw", List.of("backend.example.com"),
            List.of(new Backend("backend-service", "backend-namespace", 1))),
        route("locked", "gw", List.of("locked.example.com"),
            List.of(new Backend("locked-service", "locked-namespace", 1))),
        route("canary", "gw", List.of("canary.example.com"),
            List.of(new Backend("api-stable", null, 90), new Backend("api-canary", null, 10))),
        route("split", "gw", List.of("split.example.com"),
            List.of(new Backend("zero-service", null, 0), new Backend("one-service", null, 1))),
        route("retry", "gw", List.of("retry.example.com"), List.of(new Backend("retry-service"))),
        route("missing", "gw", List.of("missing.example.com"), List.of(new Backend("no-such-service")))));
    Files.writeString(folder.resolve("grant.yaml"),
        Fixtures.serviceGrant("allow-default-routes", "backend-namespace", "default"));
    Files.writeString(folder.resolve("edit-route.yaml"),
        route("edit", "gw", List.of("edit.example.com"), List.of(new Backend("edit-a"))));
    Files.writeString(folder.resolve("rewrite-route.yaml"), rewriteRoute("rewrite-a"));
    passage = new RunningPassage(folder, "passage.proxy.client-hello-timeout = 1500ms\n");
  }

  @AfterAll
  static void stop() throws IOException {
    if (passage != null) passage.close();
    for (TlsBackend b : backends) b.close();
  }

  /** Connects with SNI, checks the certificate is the backend's own, returns the greeting's backend name. */
  static String reach(String sni) throws IOException {
    try (TlsClient c = TlsClient.connect(port, sni)) {
      return c.greeting.split(" ")[2];
    }
  }

  static void assertClosedWithoutAlert(byte[] bytes) throws IOException {
    byte[] answer = TlsClient.sendAndReadUntilClosed(port, bytes);
    assertEquals(0, answer.length, "expected a plain close, got " + answer.length + " bytes (a TLS alert?)");
  }

  @Test
  void routesThreeServicesBySniToTheBackendsOwnCertificates() throws Exception {
    for (TlsBackend b : List.of(api, admin, metrics)) {
      String sni = b.name + ".example.com";
      try (TlsClient c = TlsClient.connect(port, sni)) {
        assertEquals("hello from " + b.name + " sni=" + sni, c.greeting);
        assertEquals(b.identity.certificate(), c.peerCertificate(), "the backend's own certificate came through");
      }
    }
  }

  @Test
  void wildcardRouteMatchesOneOrMoreLabelsButNotTheBareSuffix() throws Exception {
    assertEquals("app-router", reach("app1.apps.example.com"));
    assertEquals("app-router", reach("a.b.apps.example.com"));
    assertClosedWithoutAlert(TlsClient.clientHello("apps.example.com"));
  }

  @Test
  void crossNamespaceBackendNeedsAReferenceGrant() throws Exception {
    assertEquals("cross-ns", reach("backend.example.com"));
    assertClosedWithoutAlert(TlsClient.clientHello("locked.example.com"));
    assertClosedWithoutAlert(TlsClient.clientHello("missing.example.com"));
  }

  @Test
  void deletingTheReferenceGrantRevokesAccessAndRestoringItGrantsIt() throws Exception {
    Path grant = folder.resolve("grant.yaml");
    String text = Files.readString(grant);
    Files.delete(grant);
    try {
      Await.until(Duration.ofSeconds(10), "backend.example.com refused",
          () -> TlsClient.refused(port, "backend.example.com"));
      Await.until(Duration.ofSeconds(10), "status says RefNotPermitted",
          () -> passage.get("/passage/status").body().contains("no ReferenceGrant in namespace backend-namespace"));
    } finally {
      Files.writeString(grant, text);
    }
    Await.until(Duration.ofSeconds(10), "routed again", () -> reach("backend.example.com").equals("cross-ns"));
  }

  @Test
  void weightsSplitConnectionsAndWeightZeroGetsNone() throws Exception {
    int n = 300;
    int before = canary.connections() + stable.connections();
    int canaryBefore = canary.connections();
    for (int i = 0; i < n; i++) reach("canary.example.com");
    assertEquals(n, canary.connections() + stable.connections() - before);
    int toCanary = canary.connections() - canaryBefore;
    // binomial(300, 0.1): mean 30, sd 5.2; a 5-sd band fails by chance about once in 3 million runs
    assertTrue(toCanary >= 4 && toCanary <= 56, "canary got " + toCanary + " of " + n);

    int zeroBefore = zero.connections();
    for (int i = 0; i < 40; i++) assertEquals("one", reach("split.example.com"));
    assertEquals(zeroBefore, zero.connections(), "a weight-0 backend received a connection");
  }

  @Test
  void backendReceivesTheClientHelloByteForByteAndSeesTheSni() throws Exception {
    int seen = admin.firstBytes().size();
    try (TlsClient c = TlsClient.connect(port, "admin.example.com")) {
      assertEquals("hello from admin sni=admin.example.com", c.greeting);
      byte[] sent = c.wire.sent();
      int helloRecord = 5 + (((sent[3] & 0xff) << 8) | (sent[4] & 0xff));
      byte[] hello = Arrays.copyOf(sent, helloRecord);
      Await.until(Duration.ofSeconds(5), "backend recorded the connection", () -> admin.firstBytes().size() > seen);
      byte[] arrived = admin.firstBytes().get(admin.firstBytes().size() - 1);
      assertTrue(TlsClient.startsWith(arrived, hello), "the ClientHello arrived unchanged");
      assertTrue(admin.snis().contains("admin.example.com"));
    }
  }

  @Test
  void sixteenMebibytesCrossEachWayUnchanged() throws Exception {
    long n = 16L * 1024 * 1024;
    try (TlsClient c = TlsClient.connect(port, "api.example.com")) {
      c.send("BULK " + n + "\n");
      MessageDigest sentDigest = MessageDigest.getInstance("SHA-256");
      OutputStream out = c.tls.getOutputStream();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try {
          Random random = new Random(42);
          byte[] buf = new byte[64 * 1024];
          for (long left = n; left > 0; left -= buf.length) {
            random.nextBytes(buf);
            out.write(buf);
            sentDigest.update(buf);
          }
          out.flush();
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      MessageDigest receivedDigest = MessageDigest.getInstance("SHA-256");
      InputStream in = c.in();
      byte[] buf = new byte[64 * 1024];
      for (long left = n; left > 0; ) {
        int r = in.read(buf, 0, (int) Math.min(buf.length, left));
        assertTrue(r > 0, "stream ended early");
        receivedDigest.update(buf, 0, r);
        left -= r;
      }
      writer.get();
      String[] report = c.readLine().split(" ");
      HexFormat hex = HexFormat.of();
      assertEquals(hex.formatHex(sentDigest.digest()), report[1], "what the backend received");
      assertEquals(report[2], hex.formatHex(receivedDigest.digest()), "what the client received");
    }
  }

  @Test
  void clientThatHalfClosesStillGetsTheReply() throws Exception {
    try (TlsClient c = TlsClient.connect(port, "metrics.example.com")) {
      c.send("HALF\n");
      c.send("x".repeat(1000));
      c.tls.shutdownOutput(); // TLS close_notify
      if (!c.wire.isOutputShutdown()) c.wire.shutdownOutput(); // and the TCP FIN
      assertEquals("got 1000 bytes", c.readLine());
    }
  }

  @Test
  void awkwardClientHellosAreRouted() throws Exception {
    List<String> bigAlpn = new ArrayList<>();
    for (int i = 0; i < 24; i++) bigAlpn.add("protocol-" + i + "-" + "p".repeat(80));
    try (TlsClient c = TlsClient.connect(port, "api.example.com", WireSocket.Shape.ONE_BYTE_AT_A_TIME, List.of())) {
      assertEquals("hello from api sni=api.example.com", c.greeting);
    }
    try (TlsClient c = TlsClient.connect(port, "admin.example.com", WireSocket.Shape.TWO_RECORDS, List.of())) {
      assertEquals("hello from admin sni=admin.example.com", c.greeting);
      assertEquals(22, c.wire.sent()[5 + (((c.wire.sent()[3] & 0xff) << 8) | (c.wire.sent()[4] & 0xff))],
          "the hello went out as two handshake records");
    }
    try (TlsClient c = TlsClient.connect(port, "metrics.example.com", WireSocket.Shape.AS_IS, bigAlpn)) {
      int helloLength = ((c.wire.sent()[3] & 0xff) << 8) | (c.wire.sent()[4] & 0xff);
      assertTrue(helloLength > 1600, "hello of " + helloLength + " bytes");
      assertEquals("hello from metrics sni=metrics.example.com", c.greeting);
    }
  }

  @Test
  void refusedConnectionsAreClosedWithoutATlsAlert() throws Exception {
    assertClosedWithoutAlert(TlsClient.clientHello("unknown.example.org"));
    assertClosedWithoutAlert(TlsClient.clientHello(null));
    assertClosedWithoutAlert("GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    byte[] oversized = TlsClient.clientHello("api.example.com");
    oversized[6] = 0x01; // handshake length of 65 KiB+, over the 16 KiB limit
    assertClosedWithoutAlert(Arrays.copyOf(oversized, 9));
  }

  @Test
  void clientThatSendsNothingIsClosedAtTheDeadline() throws Exception {
    long start = System.nanoTime();
    assertClosedWithoutAlert(new byte[0]);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms >= 1400, "closed after " + ms + " ms, before the 1500 ms deadline");
  }

  @Test
  void aRefusedEndpointIsSkippedForAnother() throws Exception {
    for (int i = 0; i < 10; i++) assertEquals("retry", reach("retry.example.com"));
  }

  @Test
  void editingARouteFileMovesNewConnectionsAndKeepsEstablishedOnes() throws Exception {
    try (TlsClient established = TlsClient.connect(port, "edit.example.com")) {
      assertEquals("hello from edit-a sni=edit.example.com", established.greeting);
      established.send("ECHO\n");
      Files.writeString(folder.resolve("edit-route.yaml"),
          route("edit", "gw", List.of("edit.example.com"), List.of(new Backend("edit-b"))));
      Await.until(Duration.ofSeconds(10), "new connections reach edit-b", () -> reach("edit.example.com").equals("edit-b"));
      established.send("still here\n");
      assertEquals("still here", established.readLine());
    }
  }

  static String rewriteRoute(String backend) {
    return route("rewrite", "gw", List.of("rewrite.example.com"), List.of(new Backend(backend)));
  }

  @Test
  void halfWrittenRewritesUnderLoadRefuseNothing() throws Exception {
    Path file = folder.resolve("rewrite-route.yaml");
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread load = new Thread(() -> {
      while (running.get()) {
        try {
          String b = reach("rewrite.example.com");
          if (b.startsWith("rewrite-")) served.incrementAndGet();
          else failures.add("reached " + b);
        } catch (IOException e) {
          failures.add(e.toString());
        }
      }
    }, "load");
    load.start();
    try {
      for (int i = 0; i < 6; i++) {
        String to = i % 2 == 0 ? "rewrite-b" : "rewrite-a";
        String full = rewriteRoute(to);
        // as an editor or script that truncates, writes part, then the rest, a moment apart
        Files.write(file, new byte[0]);
        Thread.sleep(100); // the writer's own pause (part of the scenario, not a wait for Passage)
        Files.writeString(file, full.substring(0, full.length() / 2));
        Thread.sleep(100);
        Files.writeString(file, full);
        Await.until(Duration.ofSeconds(10), "rewrite " + i + " applied", () -> reach("rewrite.example.com").equals(to));
      }
    } finally {
      running.set(false);
      load.join();
    }
    assertEquals(List.of(), failures, "no connection refused or failed during the rewrites");
    assertTrue(served.get() > 20, "the premise: connections ran throughout (" + served.get() + ")");
  }

  @Test
  void managementReportsReadinessRoutesAndStatus() throws Exception {
    assertEquals(200, passage.get("/alive").statusCode());
    String routes = passage.get("/passage/routes").body();
    assertTrue(routes.contains("\"hostname\" : \"*.apps.example.com\""), routes);
    String status = passage.get("/passage/status").body();
    assertTrue(status.contains("\"reason\" : \"RefNotPermitted\""), "locked route reports RefNotPermitted");
    assertTrue(status.contains("\"reason\" : \"BackendNotFound\""), "missing route reports BackendNotFound");
  }

  @Test
  void theActorsComputeWhatThePureReconcilerComputes() throws Exception {
    Await.until(Duration.ofSeconds(10), "actor statuses equal the Reconciler's on the same folder", () -> {
      var expected = dev.passage.rules.Reconciler.reconcile(dev.passage.testkit.Folders.load(folder),
          dev.passage.rules.RulesSettings.standalone(dev.passage.rules.RulesSettings.DEFAULT_CONTROLLER_NAME, "127.0.0.1"));
      String want = dev.passage.resources.Json.JSON.writeValueAsString(dev.passage.ops.Documents.statuses(expected.statuses()));
      String got = dev.passage.resources.Json.JSON.writeValueAsString(dev.passage.ops.Documents.statuses(passage.node.statuses().statuses()));
      // the folder's objects carry no creationTimestamp or generation: the running source stamps them
      // when first read and counts the changes other tests make, Folders.load does not; the rules are
      // compared, so times and generations are left out on both sides
      String generation = "\"observedGeneration\" : \\d+";
      return want.replaceAll(generation, "").equals(got.replaceAll(generation, "")) && withoutTimes(expected.table().gateways()).equals(withoutTimes(passage.node.table().get().gateways()));
    });
  }

  static java.util.Map<dev.passage.resources.NamespacedName, dev.passage.table.GatewayTable> withoutTimes(
      java.util.Map<dev.passage.resources.NamespacedName, dev.passage.table.GatewayTable> tables) {
    java.util.Map<dev.passage.resources.NamespacedName, dev.passage.table.GatewayTable> out = new java.util.TreeMap<>();
    tables.forEach((k, g) -> out.put(k, new dev.passage.table.GatewayTable(g.gateway(), java.time.Instant.EPOCH, g.addresses(),
        g.listeners().stream().map(l -> new dev.passage.table.ListenerTable(l.name(), l.protocol(), l.port(), l.bindPort(),
            l.hostname(), l.routes().stream().map(r -> new dev.passage.table.HostRoute(r.hostname(), r.route(), r.backends(),
                java.time.Instant.EPOCH, r.httpRules())).toList(), l.terminate())).toList())));
    return out;
  }

  @Test
  void everyKindOfEndLetsTheConnectionGo() throws Exception {
    reach("api.example.com"); // routed, closed by the client
    assertClosedWithoutAlert(TlsClient.clientHello("unknown.example.org")); // refused
    assertClosedWithoutAlert("not tls".getBytes(StandardCharsets.US_ASCII)); // garbage
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) { // reset by the client mid-hello
      s.getOutputStream().write(Arrays.copyOf(TlsClient.clientHello("api.example.com"), 20));
      s.setSoLinger(true, 0);
    }
    try (TlsClient c = TlsClient.connect(port, "admin.example.com")) { // reset by the client mid-stream
      c.send("ECHO\n");
      c.wire.setSoLinger(true, 0);
    }
    Await.until(Duration.ofSeconds(10), "no connection left open",
        () -> passage.node.dataPlane().openConnections() == 0);
  }

  /** A refusal count of this node, from a strictly parsed scrape. */
  static long refused(RunningPassage passage, String reason) throws Exception {
    return (long) dev.passage.testkit.Scrape.of(passage).value("passage_connections_refused_total", java.util.Map.of("reason", reason));
  }

  @Test
  void metricsCountWhatHappensToConnections() throws Exception {
    dev.passage.testkit.Scrape before = dev.passage.testkit.Scrape.of(passage);
    reach("api.example.com");
    assertClosedWithoutAlert(TlsClient.clientHello("unknown.example.org"));
    assertClosedWithoutAlert(TlsClient.clientHello(null));
    assertClosedWithoutAlert("not tls at all".getBytes(StandardCharsets.US_ASCII));
    // a connection is counted when it ends, which may be a moment after the client saw it close
    Await.until(Duration.ofSeconds(10), "every connection counted", () -> passage.node.dataPlane().openConnections() == 0);
    dev.passage.testkit.Scrape after = dev.passage.testkit.Scrape.of(passage);
    java.util.Map<String, String> none = java.util.Map.of();
    assertTrue(after.value("passage_connections_routed_total", none) >= before.value("passage_connections_routed_total", none) + 1);
    for (String reason : List.of("no_route", "no_sni", "bad_hello")) {
      java.util.Map<String, String> r = java.util.Map.of("reason", reason);
      assertTrue(after.value("passage_connections_refused_total", r) >= before.value("passage_connections_refused_total", r) + 1,
          reason);
    }
    assertTrue(after.value("passage_connections_accepted_total", none) >= before.value("passage_connections_accepted_total", none) + 4);
    assertTrue(after.points("passage_client_hello_bytes", none).get(0).getHistogram().getSampleCount()
        >= before.points("passage_client_hello_bytes", none).get(0).getHistogram().getSampleCount() + 3);
    java.util.Map<String, String> down = java.util.Map.of("direction", "backend_to_client");
    assertTrue(after.value("passage_bytes_total", down) > before.value("passage_bytes_total", down));
  }

  @Test
  void aHelloSpreadOverMoreRecordsThanTheCapIsRefusedAsBadHello() throws Exception {
    byte[] framed = ClientHelloTest.oneRecordPerByte(TlsClient.clientHello("api.example.com"));
    assertTrue(framed.length / 6 > 32, "the premise: more records than the default cap of 32");
    long before = refused(passage, "bad_hello");
    assertClosedWithoutAlert(framed);
    Await.until(Duration.ofSeconds(10), "counted as bad_hello", () -> refused(passage, "bad_hello") >= before + 1);
  }
}
