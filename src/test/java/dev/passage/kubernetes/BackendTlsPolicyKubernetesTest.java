package dev.passage.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Certificates;
import dev.passage.testkit.EchoHttpBackend;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes mode, BackendTLSPolicy: the policy, its CA ConfigMap and the Gateway's client
 * certificate Secret come from the API server (fabric8's mock, CRUD mode); Passage re-encrypts an
 * HTTPRoute's requests to an HTTPS backend a CA signed, writes the policy's status under
 * status.ancestors[] (the Gateway, with controllerName) through the status subresource, and
 * follows the CA ConfigMap: rewritten without a certificate, the policy says NoValidCACertificate
 * and requests get a 500; back, it is Accepted and requests are served again.
 */
class BackendTlsPolicyKubernetesTest {
  static final String OBJECTS = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: hgw, namespace: default}
      spec:
        gatewayClassName: passage
        tls:
          backend:
            clientCertificateRef: {name: gateway-client}
        listeners:
        - {name: http, protocol: HTTP, port: 80}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: web, namespace: default}
      spec:
        parentRefs: [{name: hgw}]
        hostnames: [web.example.com]
        rules: [{backendRefs: [{name: secure-web, port: 8443}]}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: BackendTLSPolicy
      metadata: {name: secure-web, namespace: default}
      spec:
        targetRefs: [{group: "", kind: Service, name: secure-web}]
        validation:
          caCertificateRefs: [{group: "", kind: ConfigMap, name: backend-ca}]
          hostname: abc.example.com
      """;

  static String get(int port) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
          .header("Host", "web.example.com").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + "\n" + r.body();
    } catch (Exception e) {
      return "failed: " + e;
    }
  }

  /** Whether the policy's status on the API server has, under Gateway hgw and our controllerName, this condition. */
  static boolean policySays(MockApiServer api, String type, String status, String reason) {
    BackendTLSPolicy p = api.client.resources(BackendTLSPolicy.class).inNamespace("default").withName("secure-web").get();
    return p != null && p.getStatus() != null && p.getStatus().getAncestors() != null && p.getStatus().getAncestors().stream()
        .filter(a -> "hgw".equals(a.getAncestorRef().getName()) && "passage.dev/gateway-controller".equals(a.getControllerName()))
        .flatMap(a -> a.getConditions().stream())
        .anyMatch(c -> c.getType().equals(type) && c.getStatus().equals(status) && c.getReason().equals(reason));
  }

  @Test
  void thePolicyFromTheApiServerReencryptsAndReportsUnderItsAncestor() throws Exception {
    int portBase = Fixtures.freePortRange(21);
    Certificates.Authority backendCa = Certificates.authority("Backend CA");
    Certificates.Authority clientCa = Certificates.authority("Gateway client CA");
    try (MockApiServer api = new MockApiServer();
         EchoHttpBackend backend = new EchoHttpBackend("secure-web",
             backendCa.server(List.of("abc.example.com"), List.of(), clientCa), true)) {
      api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, OBJECTS, backendCa.configMap("default", "backend-ca"),
          clientCa.clientPem("gateway").secret("default", "gateway-client"),
          Fixtures.service("default", "secure-web", backend.port())));
      try (RunningPassage passage = RunningPassage.kubernetes(api.clientVia(api.port()), Fixtures.kubernetesOnLoopback(portBase))) {
        Await.until(Duration.ofSeconds(30), "the Gateway's Service", () -> api.gatewayPort("hgw") > 0);
        int port = api.gatewayPort("hgw");
        Await.until(Duration.ofSeconds(30), "served over TLS", () -> get(port).startsWith("200"));
        String answer = get(port);
        assertTrue(answer.contains("sni=abc.example.com") && answer.contains("client=CN=gateway"), answer);
        Await.until(Duration.ofSeconds(20), "Accepted and ResolvedRefs under ancestor hgw on the API server",
            () -> policySays(api, "Accepted", "True", "Accepted") && policySays(api, "ResolvedRefs", "True", "ResolvedRefs"));

        api.client.configMaps().inNamespace("default").withName("backend-ca").edit(cm -> {
          cm.setData(Map.of("ca.crt", "not a certificate"));
          return cm;
        });
        Await.until(Duration.ofSeconds(20), "NoValidCACertificate and InvalidCACertificateRef on the API server",
            () -> policySays(api, "Accepted", "False", "NoValidCACertificate")
                && policySays(api, "ResolvedRefs", "False", "InvalidCACertificateRef"));
        int before = backend.requests.get();
        Await.until(Duration.ofSeconds(20), "no plaintext and no request: a 500", () -> get(port).startsWith("500"));
        assertEquals(before, backend.requests.get(), "the backend got no request while the policy had no CA");

        api.client.configMaps().inNamespace("default").withName("backend-ca").edit(cm -> {
          cm.setData(Map.of("ca.crt", backendCa.pem()));
          return cm;
        });
        Await.until(Duration.ofSeconds(20), "served again", () -> get(port).startsWith("200"));
        Await.until(Duration.ofSeconds(20), "and Accepted again", () -> policySays(api, "Accepted", "True", "Accepted"));
      }
    }
  }
}
