package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.resources.Json;
import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.UdpEcho;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * UDP listeners with UDPRoutes, standalone, with real datagram sockets: each client (address and
 * port) is a flow kept on one endpoint; datagrams of 64 and 1,200 bytes come back whole, one for
 * one; a flow idle for udp-idle-timeout (1 s here) ends, and the next datagram starts a new flow,
 * which sees an endpoint change made meanwhile (an active flow does not); max-udp-flows (8 here)
 * holds a flood of source ports, evicting the least recently active flows; a UDP listener shares
 * its port number with a TCP one.
 */
class UdpRouteTest {
  @TempDir
  static Path folder;
  static RunningPassage passage;
  static UdpEcho e1, e2, e3;
  static int port;

  static String service(String name, int... ports) {
    StringBuilder eps = new StringBuilder();
    for (int p : ports) eps.append("""
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: %s-%d, namespace: default, labels: {kubernetes.io/service-name: %s}}
        addressType: IPv4
        ports: [{name: dns, protocol: UDP, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        """.formatted(name, p, name, p));
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: default}
        spec: {ports: [{name: dns, protocol: UDP, port: 53}]}
        """.formatted(name) + eps;
  }

  @BeforeAll
  static void start() throws Exception {
    e1 = new UdpEcho("e1");
    e2 = new UdpEcho("e2");
    e3 = new UdpEcho("e3");
    port = Fixtures.freePort();
    Files.writeString(folder.resolve("all.yaml"), join(GATEWAY_CLASS, """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: udp, namespace: default}
        spec:
          gatewayClassName: passage
          listeners:
          - {name: dns, protocol: UDP, port: %1$d}
          - {name: same-number, protocol: TCP, port: %1$d}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: UDPRoute
        metadata: {name: dns, namespace: default}
        spec:
          parentRefs: [{name: udp, sectionName: dns}]
          rules: [{backendRefs: [{name: echo, port: 53}]}]
        """.formatted(port)));
    Files.writeString(folder.resolve("echo.yaml"), service("echo", e1.port(), e2.port()));
    passage = new RunningPassage(folder, """
        passage.proxy.udp-idle-timeout = 1s
        passage.proxy.max-udp-flows = 8
        """);
  }

  @AfterAll
  static void stop() {
    if (passage != null) passage.close();
    for (UdpEcho e : new UdpEcho[] {e1, e2, e3}) if (e != null) e.close();
  }

  static DatagramSocket client() throws IOException {
    DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    s.setSoTimeout(3_000);
    return s;
  }

  /** Sends one datagram through Passage and returns the one answer ("NAME:" + payload). */
  static byte[] exchange(DatagramSocket s, byte[] payload) throws IOException {
    s.send(new DatagramPacket(payload, payload.length, new InetSocketAddress("127.0.0.1", port)));
    byte[] buf = new byte[65_535];
    DatagramPacket in = new DatagramPacket(buf, buf.length);
    s.receive(in);
    assertEquals(port, in.getPort(), "the answer comes from the listener's address");
    return java.util.Arrays.copyOf(buf, in.getLength());
  }

  static String who(byte[] answer) {
    String s = new String(answer, StandardCharsets.ISO_8859_1);
    return s.substring(0, s.indexOf(':'));
  }

  /** Whether the route table lists this backend among the echo Service's endpoints. */
  static boolean endpointsServed(UdpEcho e) throws Exception {
    return java.util.regex.Pattern.compile("\"port\"\\s*:\\s*" + e.port() + "\\b").matcher(passage.get("/passage/routes").body()).find();
  }

  /** A counter or gauge of /metrics, summed over its labels. */
  static double metric(String name) throws Exception {
    return metric(name, java.util.Map.of());
  }

  static double metric(String name, java.util.Map<String, String> having) throws Exception {
    return dev.passage.testkit.Scrape.of(passage).sum(name, having);
  }

  @Test
  void eachClientIsAFlowKeptOnOneEndpointAndDatagramsComeBackWhole() throws Exception {
    Map<String, Integer> clientsPer = new HashMap<>();
    Random random = new Random(3);
    for (int c = 0; c < 20; c++) {
      try (DatagramSocket s = client()) {
        String endpoint = null;
        for (int size : new int[] {64, 1200, 64, 1200, 1}) {
          byte[] payload = new byte[size];
          random.nextBytes(payload);
          byte[] answer = exchange(s, payload);
          String w = who(answer);
          if (endpoint == null) endpoint = w;
          assertEquals(endpoint, w, "a flow keeps its endpoint");
          byte[] body = java.util.Arrays.copyOfRange(answer, w.length() + 1, answer.length);
          assertArrayEquals(payload, body, "one datagram for one, whole");
        }
        clientsPer.merge(endpoint, 1, Integer::sum);
      }
    }
    // each endpoint is chosen with probability 1/2: all 20 on one happens once in 500,000 runs
    assertEquals(2, clientsPer.size(), "both endpoints took flows: " + clientsPer);
  }

  /** Flows count in their route's series as connections do: open now, bytes relayed, ended once idle. */
  @Test
  void flowsCountInTheirRoutesSeries() throws Exception {
    java.util.Map<String, String> route = java.util.Map.of("route", "default/dns");
    // the flows of the cases before end within their idle second: start from none
    Await.until(Duration.ofSeconds(10), "no flow open on the route", () -> metric("passage_route_connections_open", route) == 0);
    double bytesBefore = metric("passage_route_bytes_total", route);
    try (DatagramSocket s = client()) {
      exchange(s, new byte[100]);
      assertEquals(1, metric("passage_route_connections_open", route), 0.0, "the flow is open on its route");
    }
    // ended after its idle timeout: then counted as routed, with its bytes
    Await.until(Duration.ofSeconds(10), "the flow ended in its series",
        () -> metric("passage_route_connections_open", route) == 0);
    assertTrue(metric("passage_route_bytes_total", route) - bytesBefore >= 100 + 103, "the flow's bytes, both ways");
  }

  @Test
  void aBurstOfDatagramsIsNeitherMergedNorSplit() throws Exception {
    try (DatagramSocket s = client()) {
      List<byte[]> sent = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        byte[] p = ("datagram " + i + " ").repeat(i + 1).getBytes(StandardCharsets.ISO_8859_1);
        sent.add(p);
        s.send(new DatagramPacket(p, p.length, new InetSocketAddress("127.0.0.1", port)));
      }
      List<String> got = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        byte[] buf = new byte[65_535];
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        s.receive(in);
        String a = new String(buf, 0, in.getLength(), StandardCharsets.ISO_8859_1);
        got.add(a.substring(a.indexOf(':') + 1));
      }
      List<String> want = sent.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
      assertEquals(new java.util.TreeSet<>(want), new java.util.TreeSet<>(got), "the same ten datagrams, each whole");
    }
  }

  @Test
  void anIdleFlowEndsAndOnlyNewFlowsSeeAnEndpointChange() throws Exception {
    try (DatagramSocket active = client(); DatagramSocket later = client()) {
      String activeOn = who(exchange(active, "hello".getBytes(StandardCharsets.ISO_8859_1)));
      String laterOn = who(exchange(later, "hello".getBytes(StandardCharsets.ISO_8859_1)));
      Files.writeString(folder.resolve("echo.yaml"), service("echo", e3.port()));
      try {
        Await.until(Duration.ofSeconds(10), "the change in the route table", () -> endpointsServed(e3));
        // the active flow keeps its endpoint as long as it is not idle for 1 s
        for (int i = 0; i < 6; i++) {
          assertEquals(activeOn, who(exchange(active, ("still " + i).getBytes(StandardCharsets.ISO_8859_1))));
          Thread.sleep(300); // the client's own pace, below the idle timeout: what is tested is that the flow lives
        }
        // the quiet one ends after 1 s idle; its next datagram is a new flow, to the new endpoint
        assertTrue(!laterOn.equals("e3"), "the premise: the quiet flow began on an old endpoint");
        // waited for without a datagram (one would keep it alive): the quiet flow goes before the active one
        Await.until(Duration.ofSeconds(10), "the quiet flow ended", () -> metric("passage_udp_flows_open") <= 1);
        assertEquals("e3", who(exchange(later, "again".getBytes(StandardCharsets.ISO_8859_1))), "a new flow, to the new endpoint");
      } finally {
        Files.writeString(folder.resolve("echo.yaml"), service("echo", e1.port(), e2.port()));
        Await.until(Duration.ofSeconds(10), "the endpoints restored", () -> endpointsServed(e1) && !endpointsServed(e3));
      }
    }
  }

  @Test
  void aFloodOfSourcePortsIsHeldToMaxUdpFlows() throws Exception {
    double evictedBefore = metric("passage_udp_flows_evicted_total");
    List<DatagramSocket> flood = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        DatagramSocket s = client();
        flood.add(s);
        byte[] p = ("flood " + i).getBytes(StandardCharsets.ISO_8859_1);
        s.send(new DatagramPacket(p, p.length, new InetSocketAddress("127.0.0.1", port)));
      }
      Await.until(Duration.ofSeconds(10), "the flood met the cap",
          () -> metric("passage_udp_flows_evicted_total") - evictedBefore >= 42);
      assertTrue(metric("passage_udp_flows_open") <= 8, "at most max-udp-flows open");
      // the newest flows were kept: the last client is answered
      byte[] buf = new byte[1024];
      DatagramPacket in = new DatagramPacket(buf, buf.length);
      flood.get(49).receive(in);
      assertTrue(new String(buf, 0, in.getLength(), StandardCharsets.ISO_8859_1).endsWith("flood 49"));
    } finally {
      flood.forEach(DatagramSocket::close);
    }
  }

  @Test
  void theListenerAndItsRouteAreAcceptedAndTheTcpListenerSharesThePortNumber() throws Exception {
    for (JsonNode o : Json.JSON.readTree(passage.get("/passage/status").body())) {
      if (o.path("kind").asText().equals("Gateway")) {
        for (JsonNode l : o.path("status").path("listeners")) {
          assertEquals("True", l.path("conditions").get(0).path("status").asText(), l.toString());
          if (l.path("name").asText().equals("dns")) {
            assertEquals("UDPRoute", l.path("supportedKinds").get(0).path("kind").asText());
            assertEquals(1, l.path("attachedRoutes").asInt());
          }
        }
      }
    }
    String routes = passage.get("/passage/routes").body();
    assertTrue(routes.contains(":" + port + "/udp"), "bound as a UDP port: " + routes.substring(0, Math.min(300, routes.length())));
  }
}
