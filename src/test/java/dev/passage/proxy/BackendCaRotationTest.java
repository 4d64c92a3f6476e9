package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Certificates;
import dev.passage.testkit.EchoHttpBackend;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend CA rotated under load, as an operator does it: the CA ConfigMap of a BackendTLSPolicy
 * first holds the old and the new CA, then the backend moves to a certificate the new CA signed,
 * then the ConfigMap holds the new CA alone. Four clients send requests through Passage the whole
 * time; none may fail. Each step is known to have reached the data plane before the next is taken,
 * through probe routes under policies reading the same ConfigMap: one to a backend of the new CA
 * (served once the bundle has it), one to a backend of the old CA (refused once it is gone).
 */
class BackendCaRotationTest {
  @TempDir
  Path folder;

  static String policy(String name) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: %1$s, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: %1$s}]
          validation:
            caCertificateRefs: [{group: "", kind: ConfigMap, name: backend-ca}]
            hostname: abc.example.com
        """.formatted(name);
  }

  static String route(String name) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: %1$s, namespace: default}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [%1$s.example.com]
          rules: [{backendRefs: [{name: %1$s, port: 8443}]}]
        """.formatted(name);
  }

  /** The CA ConfigMap holding these CAs' certificates as one bundle. */
  static String bundle(Certificates.Authority... cas) {
    StringBuilder pem = new StringBuilder();
    for (Certificates.Authority ca : cas) pem.append(ca.pem());
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: backend-ca\n  namespace: default\ndata:\n  ca.crt: |\n"
        + pem.toString().lines().map(l -> "    " + l).reduce((a, b) -> a + "\n" + b).orElseThrow() + "\n";
  }

  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  static String get(int port, String host) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rotation"))
          .header("Host", host).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + "\n" + r.body();
    } catch (Exception e) {
      return "failed: " + e;
    }
  }

  @Test
  void noRequestFailsWhileTheBackendsCaIsRotated() throws Exception {
    Certificates.Authority oldCa = Certificates.authority("Old backend CA"), newCa = Certificates.authority("New backend CA");
    List<String> dns = List.of("abc.example.com");
    try (EchoHttpBackend old = new EchoHttpBackend("old", oldCa.server(dns, List.of(), null), false);
         EchoHttpBackend renewed = new EchoHttpBackend("new", newCa.server(dns, List.of(), null), false)) {
      int port = Fixtures.freePort();
      String gateway = """
          apiVersion: gateway.networking.k8s.io/v1
          kind: Gateway
          metadata: {name: gw, namespace: default}
          spec:
            gatewayClassName: passage
            listeners: [{name: http, protocol: HTTP, port: %d}]
          """.formatted(port);
      Files.writeString(folder.resolve("all.yaml"), join(GATEWAY_CLASS, gateway, route("app"), route("newprobe"),
          route("oldprobe"), policy("app"), policy("newprobe"), policy("oldprobe"),
          service("default", "newprobe", renewed.port()), service("default", "oldprobe", old.port())));
      Path app = folder.resolve("app.yaml"), ca = folder.resolve("ca.yaml");
      Files.writeString(app, service("default", "app", old.port()));
      Files.writeString(ca, bundle(oldCa));
      try (RunningPassage passage = new RunningPassage(folder, "")) {
        Await.until(Duration.ofSeconds(15), "served by the old CA's backend", () -> get(port, "app.example.com").contains("backend=old"));
        assertTrue(get(port, "newprobe.example.com").startsWith("502"), "the premise: the new CA is not trusted yet");

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        Map<String, Integer> servedBy = new ConcurrentHashMap<>();
        List<Thread> clients = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
          Thread client = new Thread(() -> {
            while (running.get()) {
              String r = get(port, "app.example.com");
              if (r.startsWith("200")) {
                ok.incrementAndGet();
                servedBy.merge(r.contains("backend=new") ? "new" : "old", 1, Integer::sum);
              } else {
                failures.merge(r.lines().findFirst().orElse(r), 1, Integer::sum);
              }
            }
          }, "rotation-client-" + i);
          client.start();
          clients.add(client);
        }
        try {
          Await.until(Duration.ofSeconds(10), "load running", () -> ok.get() > 50);
          Files.writeString(ca, bundle(oldCa, newCa));                   // 1. trust both
          Await.until(Duration.ofSeconds(15), "the bundle reached the data plane",
              () -> get(port, "newprobe.example.com").startsWith("200"));
          Files.writeString(app, service("default", "app", renewed.port())); // 2. the backend's new certificate
          Await.until(Duration.ofSeconds(15), "the new backend serves the load", () -> servedBy.getOrDefault("new", 0) > 50);
          Files.writeString(ca, bundle(newCa));                          // 3. the old CA retired
          Await.until(Duration.ofSeconds(15), "the old CA retired on the data plane",
              () -> get(port, "oldprobe.example.com").startsWith("502"));
          int after = ok.get();
          Await.until(Duration.ofSeconds(10), "load after the rotation", () -> ok.get() > after + 50);
        } finally {
          running.set(false);
          for (Thread t : clients) t.join(15_000);
        }
        System.out.printf("CA rotation under load: %d requests served (%s), failures %s%n", ok.get(), servedBy, failures);
        assertEquals(Map.of(), failures, "no request failed during the rotation");
        assertTrue(servedBy.getOrDefault("old", 0) > 50 && servedBy.getOrDefault("new", 0) > 50, "both backends served: " + servedBy);
      }
    }
  }
}
