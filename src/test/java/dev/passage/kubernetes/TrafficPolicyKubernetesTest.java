package dev.passage.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.resources.api.TrafficPolicy;
import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes mode, TrafficPolicy (passage.dev/v1alpha1): the policy comes from the API server
 * (fabric8's mock, CRUD mode), its effect reaches the data plane (a TCP route's backend gets a
 * PROXY protocol v2 header with the client's port), and its status is written under
 * status.ancestors[] (the Gateway, with controllerName) through the status subresource; edited to
 * name a field a Service cannot take, it says Invalid there, with the field, and the header stops.
 */
class TrafficPolicyKubernetesTest {
  static final String OBJECTS = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: tgw, namespace: default}
      spec:
        gatewayClassName: passage
        listeners:
        - {name: tcp, protocol: TCP, port: 5432}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: TCPRoute
      metadata: {name: db, namespace: default}
      spec:
        parentRefs: [{name: tgw}]
        rules: [{backendRefs: [{name: db, port: 8443}]}]
      ---
      apiVersion: passage.dev/v1alpha1
      kind: TrafficPolicy
      metadata: {name: db, namespace: default}
      spec:
        targetRefs: [{group: "", kind: Service, name: db}]
        proxyProtocol: {version: V2, tlvs: [UniqueID]}
      """;

  /** The Accepted condition's reason under ancestor Gateway tgw and our controllerName, or null. */
  static String acceptedReason(MockApiServer api) {
    TrafficPolicy p = api.client.resources(TrafficPolicy.class).inNamespace("default").withName("db").get();
    if (p == null || p.getStatus() == null || p.getStatus().ancestors == null) return null;
    return p.getStatus().ancestors.stream()
        .filter(a -> "tgw".equals(a.ancestorRef.name) && "Gateway".equals(a.ancestorRef.kind)
            && "passage.dev/gateway-controller".equals(a.controllerName))
        .flatMap(a -> a.conditions.stream()).filter(c -> c.getType().equals("Accepted"))
        .map(c -> c.getStatus() + " " + c.getReason() + " " + c.getMessage()).findFirst().orElse(null);
  }

  @Test
  void aPolicyFromTheApiServerIsServedAndReportedUnderItsAncestor() throws Exception {
    int portBase = Fixtures.freePortRange(21);
    try (MockApiServer api = new MockApiServer(); Backend backend = new Backend()) {
      api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, OBJECTS, Fixtures.service("default", "db", backend.server.getLocalPort())));
      try (RunningPassage passage = RunningPassage.kubernetes(api.clientVia(api.port()), Fixtures.kubernetesOnLoopback(portBase))) {
        Await.until(Duration.ofSeconds(30), "the Gateway's Service", () -> api.gatewayPort("tgw") > 0);
        int port = api.gatewayPort("tgw");
        try {
          Await.until(Duration.ofSeconds(20), "Accepted under ancestor tgw on the API server",
              () -> String.valueOf(acceptedReason(api)).startsWith("True Accepted"));
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "; the API server holds " + api.client.getKubernetesSerialization()
              .asYaml(api.client.resources(TrafficPolicy.class).inNamespace("default").withName("db").get())
              + "; Passage says " + passage.get("/passage/status").body(), e);
        }
        Await.until(Duration.ofSeconds(20), "a PROXY header with the client's port", () -> {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            String first = backend.next();
            return first.equals("PROXY src_port=" + s.getLocalPort());
          }
        });

        api.client.resources(TrafficPolicy.class).inNamespace("default").withName("db").edit(p -> {
          p.getSpec().drain = new TrafficPolicy.Drain();
          p.getSpec().drain.mode = "Close";
          return p;
        });
        Await.until(Duration.ofSeconds(20), "Invalid, with the field, on the API server",
            () -> String.valueOf(acceptedReason(api)).equals(
                "False Invalid spec.drain cannot apply to a Service target (spec.targetRefs[0])"));
        Await.until(Duration.ofSeconds(20), "no header any more", () -> {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.getOutputStream().write("plain".getBytes(StandardCharsets.US_ASCII));
            return backend.next().equals("plain");
          }
        });
        assertTrue(backend.seen.stream().anyMatch(l -> l.startsWith("PROXY")), "the premise: headers came before");
      }
    }
  }

  /** A TCP backend that says, per connection, whether it began with a PROXY v2 header (and its source port) or plain bytes. */
  static final class Backend implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final List<String> seen = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.LinkedBlockingQueue<String> queue = new java.util.concurrent.LinkedBlockingQueue<>();

    Backend() throws IOException {
      Thread t = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            s.setSoTimeout(5_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] first = new byte[5];
            in.readFully(first);
            String said;
            if (first[0] == 0x0D && first[4] == 0x00) { // the v2 signature begins \r\n\r\n\0
              byte[] rest = new byte[11];
              in.readFully(rest);
              int len = ((rest[9] & 0xff) << 8) | (rest[10] & 0xff);
              byte[] body = new byte[len];
              in.readFully(body);
              int srcPort = ((body[8] & 0xff) << 8) | (body[9] & 0xff); // IPv4: 4 + 4 address bytes, then the ports
              said = "PROXY src_port=" + srcPort;
            } else {
              said = new String(first, StandardCharsets.US_ASCII);
            }
            seen.add(said);
            queue.add(said);
          } catch (IOException e) {
            if (server.isClosed()) return;
          }
        }
      }, "proxy-header-backend");
      t.setDaemon(true);
      t.start();
    }

    String next() throws InterruptedException {
      String s = queue.poll(5, java.util.concurrent.TimeUnit.SECONDS);
      return s == null ? "" : s;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
