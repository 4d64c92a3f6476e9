package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import dev.passage.testkit.WireSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traffic half of the conformance tests TLSRouteHostnameIntersection and
 * TLSRouteInvalidBackendRef*: four Gateways on the same port, each on its own address
 * (spec.addresses 127.0.0.2 to .5), and a fifth with invalid backends, with real TLS.
 */
class ConformanceTrafficTest {
  @TempDir
  static Path folder;

  static TlsBackend tlsBackend, tlsBackend2;
  static int port;
  static RunningPassage passage;

  static String gateway(String name, String address, String hostname) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: %s
          namespace: gateway-conformance-infra
        spec:
          gatewayClassName: passage
          addresses:
          - type: IPAddress
            value: %s
          listeners:
          - name: https
            port: %d
            protocol: TLS
        %s    tls:
              mode: Passthrough
            allowedRoutes:
              namespaces:
                from: Same
              kinds:
              - kind: TLSRoute
        """.formatted(name, address, port, hostname == null ? "" : "    hostname: \"" + hostname + "\"\n");
  }

  static String route(String name, String gateway, String hostname, String backends) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSRoute
        metadata:
          name: %s
          namespace: gateway-conformance-infra
        spec:
          parentRefs:
          - name: %s
          hostnames: ["%s"]
          rules:
          - backendRefs:
        %s""".formatted(name, gateway, hostname, backends);
  }

  static String backend(String name, int weight) {
    return "    - name: " + name + "\n      port: 8443\n      weight: " + weight + "\n";
  }

  @BeforeAll
  static void start() throws Exception {
    tlsBackend = new TlsBackend("tls-backend", "abc.example.com");
    tlsBackend2 = new TlsBackend("tls-backend-2", "other.example.com");
    port = Fixtures.freePort();
    String one = backend("tls-backend", 1);
    String two = backend("tls-backend-2", 1);
    Files.writeString(folder.resolve("all.yaml"), Fixtures.join(
        Fixtures.GATEWAY_CLASS,
        Fixtures.service("gateway-conformance-infra", "tls-backend", tlsBackend.port()),
        Fixtures.service("gateway-conformance-infra", "tls-backend-2", tlsBackend2.port()),
        gateway("x-1", "127.0.0.2", "abc.example.com"),
        route("x-1-wild", "x-1", "*.example.com", one),
        gateway("x-2", "127.0.0.3", "*.example.com"),
        route("x-2-exact", "x-2", "abc.example.com", one),
        route("x-2-com", "x-2", "*.com", two),
        gateway("x-3", "127.0.0.4", "*.com"),
        route("x-3-exact", "x-3", "abc.example.com", one),
        route("x-3-wild", "x-3", "*.example.com", two),
        gateway("x-4", "127.0.0.5", null),
        route("x-4-exact", "x-4", "abc.example.com", one),
        route("x-4-com", "x-4", "*.com", two),
        gateway("invalid", "127.0.0.6", null),
        route("nonexistent", "invalid", "example.com", backend("nonexistent", 1)),
        route("unknown-kind", "invalid", "unknown.example.com",
            "    - group: unknownkind.example.com\n      kind: NonExistent\n      name: x\n      port: 8443\n"),
        route("partial", "invalid", "partial.example.com", backend("nonexistent", 3) + backend("tls-backend", 1))));
    passage = new RunningPassage(folder, "");
  }

  @AfterAll
  static void stop() throws IOException {
    if (passage != null) passage.close();
    tlsBackend.close();
    tlsBackend2.close();
  }

  static String reach(String address, String sni) throws IOException {
    try (TlsClient c = TlsClient.connect(address, port, sni, WireSocket.Shape.AS_IS, List.of())) {
      return c.greeting.split(" ")[2];
    }
  }

  @Test
  void fourGatewaysOnOnePortEachServeTheirOwnIntersection() throws Exception {
    assertEquals("tls-backend", reach("127.0.0.2", "abc.example.com"));
    assertTrue(TlsClient.refused("127.0.0.2", port, "non.matching.com"));
    assertTrue(TlsClient.refused("127.0.0.2", port, "other.example.com"), "outside listener abc.example.com");
    for (String address : List.of("127.0.0.3", "127.0.0.4", "127.0.0.5")) {
      assertEquals("tls-backend", reach(address, "abc.example.com"), address);
      assertEquals("tls-backend-2", reach(address, "other.example.com"), address);
    }
    assertTrue(TlsClient.refused("127.0.0.3", port, "non.matching.com"));
    assertTrue(TlsClient.refused("127.0.0.4", port, "non.matching.com"));
    assertTrue(TlsClient.refused("127.0.0.5", port, "non.matching.org"));
    assertEquals("tls-backend-2", reach("127.0.0.5", "a.b.c.example.com"), "*.com matches several labels");
  }

  @Test
  void invalidBackendsAreRefusedInProportionToTheirWeight() throws Exception {
    assertTrue(TlsClient.refused("127.0.0.6", port, "example.com"), "nonexistent Service");
    assertTrue(TlsClient.refused("127.0.0.6", port, "unknown.example.com"), "unknown backend kind");
    int n = 200;
    int refused = 0;
    for (int i = 0; i < n; i++) {
      if (TlsClient.refused("127.0.0.6", port, "partial.example.com")) refused++;
    }
    // weights 3:1 with the 3 invalid: binomial(200, 0.75), mean 150, sd 6.1; 5 sd either side
    assertTrue(refused >= 119 && refused <= 181, refused + " of " + n + " refused");
  }
}
