package dev.passage.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Certificates;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.PlainBackend;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsClient;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes mode, frontend client-certificate validation on a TLS Terminate listener: each node
 * reads the CA ConfigMap from the API server itself; a client the CA signed is served, one without
 * a certificate is not; a ConfigMap rewritten without a CA gives the listener
 * ResolvedRefs=False / InvalidCACertificateRef and Accepted=False / NoValidCACertificate on the
 * API server, and refuses every client, until a CA is back.
 */
class ClientCertificateKubernetesTest {
  static final String GATEWAY = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: tgw, namespace: default}
      spec:
        gatewayClassName: passage
        tls:
          frontend:
            default:
              validation:
                caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]
        listeners:
        - {name: secure, protocol: TLS, port: 443, hostname: secure.example.com,
           tls: {mode: Terminate, certificateRefs: [{name: secure-cert}]}}
      """;

  static boolean serves(int port, SSLContext client, String line) {
    try (SSLSocket tls = TlsClient.connect(client, "127.0.0.1", port, "secure.example.com")) {
      return TlsClient.exchangeLine(tls, line).equals("plain:" + line);
    } catch (Exception refused) {
      return false;
    }
  }

  static boolean listenerSays(MockApiServer api, String type, String status, String reason) {
    Gateway gw = api.client.resources(Gateway.class).inNamespace("default").withName("tgw").get();
    return gw.getStatus() != null && gw.getStatus().getListeners() != null && gw.getStatus().getListeners().stream()
        .flatMap(l -> l.getConditions().stream())
        .anyMatch(c -> c.getType().equals(type) && c.getStatus().equals(status) && c.getReason().equals(reason));
  }

  @Test
  void theCaConfigMapFromTheApiServerDecidesWhichClientsAreServed(org.junit.jupiter.api.TestInfo info) throws Exception {
    int portBase = Fixtures.freePortRange(21);
    Certificates.Pem server = Certificates.selfSignedPem("secure.example.com");
    Certificates.Authority ca = Certificates.authority("Client CA");
    try (MockApiServer api = new MockApiServer(); PlainBackend plain = new PlainBackend()) {
      api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, GATEWAY, server.secret("default", "secure-cert"),
          ca.configMap("default", "client-ca"), Fixtures.service("default", "plain", plain.port()),
          Fixtures.route("secure", "tgw", List.of("secure.example.com"), List.of(new Fixtures.Backend("plain")))));
      try (RunningPassage passage = RunningPassage.kubernetes(api.clientVia(api.port()), Fixtures.kubernetesOnLoopback(portBase) + dev.passage.testkit.TlsProviderUnderTest.Of.config(info))) {
        Await.until(Duration.ofSeconds(30), "the Gateway's Service", () -> api.gatewayPort("tgw") > 0);
        int port = api.gatewayPort("tgw");
        Await.until(Duration.ofSeconds(30), "a client the CA signed is served",
            () -> serves(port, ca.client("alice", server.certificate()), "one"));
        assertEquals(false, serves(port, TlsClient.trusting(server.certificate()), "two"), "no certificate: refused");
        assertTrue(listenerSays(api, "ResolvedRefs", "True", "ResolvedRefs"));

        api.client.configMaps().inNamespace("default").withName("client-ca").edit(cm -> {
          cm.setData(Map.of("ca.crt", "not a certificate"));
          return cm;
        });
        Await.until(Duration.ofSeconds(20), "InvalidCACertificateRef and NoValidCACertificate on the API server",
            () -> listenerSays(api, "ResolvedRefs", "False", "InvalidCACertificateRef")
                && listenerSays(api, "Accepted", "False", "NoValidCACertificate"));
        Await.until(Duration.ofSeconds(20), "every client refused", () -> !serves(port, ca.client("alice", server.certificate()), "three"));

        api.client.configMaps().inNamespace("default").withName("client-ca").edit(cm -> {
          cm.setData(Map.of("ca.crt", ca.pem()));
          return cm;
        });
        Await.until(Duration.ofSeconds(20), "served again", () -> serves(port, ca.client("bob", server.certificate()), "four"));
        Await.until(Duration.ofSeconds(20), "and Accepted again", () -> listenerSays(api, "Accepted", "True", "Accepted"));
      }
    }
  }
}
