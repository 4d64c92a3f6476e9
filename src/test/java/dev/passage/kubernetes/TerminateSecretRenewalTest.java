package dev.passage.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes mode, a Terminate listener whose Secret is renewed (cert-manager style): a good
 * renewal is served to new handshakes with no restart; a renewal that is not usable (a key that
 * does not match) keeps the last good certificate serving, sets the listener's
 * ResolvedRefs=False / InvalidCertificateRef, and records a Warning Event on the Gateway.
 */
class TerminateSecretRenewalTest {
  static int gatewayPort(MockApiServer api) {
    return api.gatewayPort("tgw");
  }

  static boolean serves(int port, Certificates.Pem cert, String line) {
    try (SSLSocket tls = TlsClient.connectTrusting("127.0.0.1", port, cert.certificate(), "secure.example.com")) {
      return TlsClient.exchangeLine(tls, line).equals("plain:" + line);
    } catch (Exception notThatCertificate) {
      return false;
    }
  }

  static void replace(MockApiServer api, Certificates.Pem pem) {
    api.client.secrets().inNamespace("default").withName("secure-cert").edit(s -> {
      s.setData(null);
      s.setStringData(Map.of("tls.crt", pem.crt(), "tls.key", pem.key()));
      return s;
    });
  }

  @Test
  void aGoodRenewalIsServedAndABadOneKeepsTheLastGoodWithAStatusAndAnEvent(org.junit.jupiter.api.TestInfo info) throws Exception {
    int portBase = Fixtures.freePortRange(21);
    Certificates.Pem first = Certificates.selfSignedPem("secure.example.com");
    Certificates.Pem renewed = Certificates.selfSignedPem("secure.example.com");
    Certificates.Pem stranger = Certificates.selfSignedPem("secure.example.com");
    try (MockApiServer api = new MockApiServer(); PlainBackend plain = new PlainBackend()) {
      api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.terminatingGateway("tgw", 443, "secure.example.com", "secure-cert"),
          first.secret("default", "secure-cert"),
          Fixtures.service("default", "plain", plain.port()),
          Fixtures.route("secure", "tgw", List.of("secure.example.com"), List.of(new Fixtures.Backend("plain")))));
      try (RunningPassage passage = RunningPassage.kubernetes(api.clientVia(api.port()), Fixtures.kubernetesOnLoopback(portBase) + dev.passage.testkit.TlsProviderUnderTest.Of.config(info))) {
        Await.until(Duration.ofSeconds(30), "the Gateway's Service", () -> gatewayPort(api) > 0);
        int port = gatewayPort(api);
        Await.until(Duration.ofSeconds(30), "served with the first certificate", () -> serves(port, first, "one"));

        replace(api, renewed);
        Await.until(Duration.ofSeconds(20), "the renewal served to new handshakes", () -> serves(port, renewed, "two"));

        // a renewal whose key does not match its certificate
        replace(api, new Certificates.Pem(stranger.certificate(), stranger.crt(), first.key()));
        Await.until(Duration.ofSeconds(20), "ResolvedRefs=False / InvalidCertificateRef on the listener", () -> {
          Gateway gw = api.client.resources(Gateway.class).inNamespace("default").withName("tgw").get();
          return gw.getStatus() != null && gw.getStatus().getListeners() != null && gw.getStatus().getListeners().stream()
              .flatMap(l -> l.getConditions().stream())
              .anyMatch(c -> c.getType().equals("ResolvedRefs") && c.getStatus().equals("False")
                  && c.getReason().equals("InvalidCertificateRef"));
        });
        Await.until(Duration.ofSeconds(20), "a Warning Event on the Gateway", () -> api.client.v1().events()
            .inNamespace("default").list().getItems().stream()
            .anyMatch(e -> e.getInvolvedObject().getName().equals("tgw") && "Warning".equals(e.getType())
                && e.getReason().equals("InvalidCertificateRef")));
        assertEquals(true, serves(port, renewed, "three"), "the last good certificate keeps serving");
        assertEquals(false, serves(port, stranger, "four"), "the unusable one is not served");
      }
    }
  }
}
