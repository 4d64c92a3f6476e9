package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.resources.Json;
import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.PlainBackend;
import dev.passage.testkit.RunningPassage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * TCP listeners with TCPRoutes, standalone, with real sockets: nothing is peeked, so a backend
 * that speaks first is heard before the client says anything, and still answers a client that has
 * sent its FIN (half-close); bytes come back as sent; weights
 * 80/20 hold within a binomial band; an endpoint that refuses is skipped; a backend that is not
 * there gets its share of connections closed at once (FIN, nothing sent); a route changed under
 * an established connection leaves it on its backend while new connections follow the change; a
 * TCPRoute cannot attach to a TLS listener, nor a TLSRoute to a TCP one; a TCP listener with a
 * hostname is not accepted.
 */
class TcpRouteTest {
  @TempDir
  static Path folder;
  static RunningPassage passage;
  static PlainBackend a, b, greeter, echo, before, after;
  static int weighted, ssh, missing, retry, changing, tls;
  static int closedPort;

  static String tcpRoute(String name, String section, String backends) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: TCPRoute
        metadata: {name: %s, namespace: default}
        spec:
          parentRefs: [{name: tcp, sectionName: %s}]
          rules: [{backendRefs: [%s]}]
        """.formatted(name, section, backends);
  }

  @BeforeAll
  static void start() throws Exception {
    a = new PlainBackend("220 a", Duration.ZERO);
    b = new PlainBackend("220 b", Duration.ZERO);
    greeter = new PlainBackend("SSH-2.0-OpenSSH_9.6 greeter", Duration.ofMillis(50));
    echo = new PlainBackend();
    before = new PlainBackend("220 before", Duration.ZERO);
    after = new PlainBackend("220 after", Duration.ZERO);
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // nothing listens here once closed: a connect is refused
    }
    weighted = Fixtures.freePort();
    ssh = Fixtures.freePort();
    missing = Fixtures.freePort();
    retry = Fixtures.freePort();
    changing = Fixtures.freePort();
    tls = Fixtures.freePort();
    String gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: tcp, namespace: default}
        spec:
          gatewayClassName: passage
          listeners:
          - {name: weighted, protocol: TCP, port: %d}
          - {name: ssh, protocol: TCP, port: %d}
          - {name: missing, protocol: TCP, port: %d}
          - {name: retry, protocol: TCP, port: %d}
          - {name: changing, protocol: TCP, port: %d}
          - {name: tls, protocol: TLS, port: %d, tls: {mode: Passthrough}}
          - {name: named, protocol: TCP, port: %d, hostname: db.example.com}
        """.formatted(weighted, ssh, missing, retry, changing, tls, Fixtures.freePort());
    Files.writeString(folder.resolve("all.yaml"), join(GATEWAY_CLASS, gateway,
        service("default", "a", a.port()), service("default", "b", b.port()), service("default", "greeter", greeter.port()),
        service("default", "echo", closedPort, echo.port()),
        tcpRoute("weighted", "weighted", "{name: a, port: 8443, weight: 80}, {name: b, port: 8443, weight: 20}"),
        tcpRoute("ssh", "ssh", "{name: greeter, port: 8443}"),
        tcpRoute("missing", "missing", "{name: not-there, port: 8443}"),
        tcpRoute("retry", "retry", "{name: echo, port: 8443}"),
        tcpRoute("on-tls", "tls", "{name: echo, port: 8443}"),
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSRoute
        metadata: {name: tls-on-tcp, namespace: default}
        spec:
          parentRefs: [{name: tcp, sectionName: ssh}]
          rules: [{backendRefs: [{name: echo, port: 8443}]}]
        """));
    Files.writeString(folder.resolve("changing.yaml"), join(service("default", "before", before.port()),
        service("default", "after", after.port()), tcpRoute("changing", "changing", "{name: before, port: 8443}")));
    passage = new RunningPassage(folder, "");
  }

  @AfterAll
  static void stop() throws IOException {
    if (passage != null) passage.close();
    for (PlainBackend p : new PlainBackend[] {a, b, greeter, echo, before, after}) if (p != null) p.close();
  }

  static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(10_000);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    return s;
  }

  static String line(Socket s) throws IOException {
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
  }

  /** The line the backend greets with, read before the client sends anything. */
  static String greeting(int port) throws IOException {
    try (Socket s = connect(port)) {
      return line(s);
    }
  }

  @Test
  void aBackendThatSpeaksFirstIsHeardBeforeTheClientSaysAnything() throws Exception {
    try (Socket s = connect(ssh)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      assertEquals("SSH-2.0-OpenSSH_9.6 greeter", in.readLine());
      s.getOutputStream().write("SSH-2.0-client\n".getBytes(StandardCharsets.ISO_8859_1));
      assertEquals("plain:SSH-2.0-client", in.readLine());
    }
  }

  @Test
  void bytesComeBackAsSentAndARefusedEndpointIsSkipped() throws Exception {
    // the echo Service's first endpoint refuses connections: every connection must still be served
    double refusedBefore = metric("passage_backend_connect_failures_total");
    byte[] payload = new byte[256 * 1024];
    new Random(7).nextBytes(payload);
    for (int i = 0; i < payload.length; i++) if (payload[i] == '\n') payload[i] = 'n';
    for (int attempt = 0; attempt < 10; attempt++) {
      try (Socket s = connect(retry)) {
        OutputStream out = s.getOutputStream();
        Thread writer = new Thread(() -> {
          try {
            out.write(payload);
            out.write('\n');
            out.flush();
          } catch (IOException ignored) {
            // the reader's assertion says what went wrong
          }
        });
        writer.start();
        byte[] back = s.getInputStream().readNBytes("plain:".length() + payload.length + 1);
        writer.join(10_000);
        byte[] expected = new byte[back.length];
        System.arraycopy("plain:".getBytes(StandardCharsets.ISO_8859_1), 0, expected, 0, 6);
        System.arraycopy(payload, 0, expected, 6, payload.length);
        expected[expected.length - 1] = '\n';
        assertArrayEquals(expected, back, "the bytes through Passage, both ways");
      }
    }
    // the premise: the refusing endpoint was tried (chosen at random: in 10 connections, all but surely)
    assertTrue(metric("passage_backend_connect_failures_total") > refusedBefore, "the refusing endpoint was met and skipped");
  }

  /** A counter or gauge of /metrics, summed over its labels. */
  static double metric(String name) throws Exception {
    return dev.passage.testkit.Scrape.of(passage).sum(name, java.util.Map.of());
  }

  /** The client's FIN reaches the backend, which still answers: half-close, as for TLS passthrough. */
  @Test
  void aHalfClosedConnectionStillGetsItsAnswer() throws Exception {
    try (Socket s = connect(ssh)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      assertEquals("SSH-2.0-OpenSSH_9.6 greeter", in.readLine());
      s.getOutputStream().write("last words\n".getBytes(StandardCharsets.ISO_8859_1));
      s.shutdownOutput(); // FIN: nothing more from the client
      assertEquals("plain:last words", in.readLine(), "the answer after the client's FIN");
      assertEquals(null, in.readLine(), "then the backend's FIN, passed on");
    }
  }

  @Test
  void weightsHoldWithinABinomialBand() throws Exception {
    int n = 300;
    java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      java.util.List<java.util.concurrent.Future<String>> greetings = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) greetings.add(clients.submit(() -> greeting(weighted)));
      int toA = 0;
      for (var g : greetings) {
        String line = g.get();
        if ("220 a".equals(line)) toA++;
        else assertEquals("220 b", line);
      }
      // 80% of 300: 240, sigma 6.9; 4.5 sigma either side fails about once in 300,000 runs
      assertTrue(toA >= 209 && toA <= 271, "to a: " + toA + " of " + n);
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void aBackendThatIsNotThereGetsItsConnectionsClosedAtOnce() throws Exception {
    try (Socket s = connect(missing)) {
      long t0 = System.nanoTime();
      assertEquals(-1, s.getInputStream().read(), "FIN, nothing sent");
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
    }
    assertEquals("False BackendNotFound", routeCondition("missing", "ResolvedRefs"));
    assertEquals("True Accepted", routeCondition("missing", "Accepted"));
  }

  @Test
  void aRouteChangedUnderAnEstablishedConnectionLeavesIt() throws Exception {
    try (Socket established = connect(changing)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(established.getInputStream(), StandardCharsets.ISO_8859_1));
      assertEquals("220 before", in.readLine());
      Files.writeString(folder.resolve("changing.yaml"), join(service("default", "before", before.port()),
          service("default", "after", after.port()), tcpRoute("changing", "changing", "{name: after, port: 8443}")));
      Await.until(Duration.ofSeconds(10), "new connections follow the change", () -> "220 after".equals(greeting(changing)));
      established.getOutputStream().write("still here\n".getBytes(StandardCharsets.ISO_8859_1));
      assertEquals("plain:still here", in.readLine(), "the established connection stays on its backend");
    }
  }

  @Test
  void routesAttachOnlyToListenersOfTheirKindAndATcpListenerHasNoHostname() throws Exception {
    assertEquals("False NotAllowedByListeners", routeCondition("on-tls", "Accepted"), "a TCPRoute on a TLS listener");
    assertEquals("False NotAllowedByListeners", routeCondition("tls-on-tcp", "Accepted"), "a TLSRoute on a TCP listener");
    JsonNode named = listener("named");
    assertEquals("False UnsupportedValue", condition(named.path("conditions"), "Accepted"));
    JsonNode ok = listener("weighted");
    assertEquals("True Accepted", condition(ok.path("conditions"), "Accepted"));
    assertEquals("TCPRoute", ok.path("supportedKinds").get(0).path("kind").asText());
    assertEquals(1, ok.path("attachedRoutes").asInt());
  }

  static JsonNode status(String kind, String name) throws Exception {
    for (JsonNode o : Json.JSON.readTree(passage.get("/passage/status").body())) {
      if (o.path("kind").asText().equals(kind) && o.path("name").asText().equals(name)) return o.path("status");
    }
    throw new AssertionError("no status for " + kind + " " + name);
  }

  static String condition(JsonNode conditions, String type) {
    for (JsonNode c : conditions) if (c.path("type").asText().equals(type)) return c.path("status").asText() + " " + c.path("reason").asText();
    return null;
  }

  static String routeCondition(String name, String type) throws Exception {
    String kind = name.equals("tls-on-tcp") ? "TLSRoute" : "TCPRoute";
    return condition(status(kind, name).path("parents").get(0).path("conditions"), type);
  }

  static JsonNode listener(String name) throws Exception {
    for (JsonNode l : status("Gateway", "tcp").path("listeners")) if (l.path("name").asText().equals(name)) return l;
    throw new AssertionError("no listener " + name);
  }
}
