package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.route;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Certificates;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.Fixtures.Backend;
import dev.passage.testkit.PlainBackend;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsProviderUnderTest;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS listeners in Terminate mode, standalone: one port holds a Passthrough listener
 * (pass.example.com) and a Terminate one (secure.example.com, its certificate from a Secret in the
 * folder). A JDK client that trusts only the listener's certificate completes the handshake with
 * Passage and talks to a plain TCP backend, which receives plaintext; the passthrough hostname on
 * the same port still reaches its backend's own certificate; an SNI without a route is refused
 * before any handshake; a renewed Secret is served to new handshakes while an established session
 * goes on; a broken rewrite keeps the last good certificate serving.
 */
class TerminateTest {
  @TempDir
  static Path folder;
  static int port;
  static RunningPassage passage;
  static TlsBackend passBackend;
  static PlainBackend plainBackend;
  static Certificates.Pem first;

  static final String GATEWAY = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata:
        name: mixed
        namespace: default
      spec:
        gatewayClassName: passage
        listeners:
        - name: pass
          protocol: TLS
          port: %d
          hostname: pass.example.com
          tls:
            mode: Passthrough
        - name: secure
          protocol: TLS
          port: %d
          hostname: secure.example.com
          tls:
            mode: Terminate
            certificateRefs:
            - name: secure-cert
        - name: cross
          protocol: TLS
          port: %d
          hostname: cross.example.com
          tls:
            mode: Terminate
            certificateRefs:
            - name: cross-cert
              namespace: certs
        - name: greet
          protocol: TLS
          port: %d
          hostname: greet.example.com
          tls:
            mode: Terminate
            certificateRefs:
            - name: greet-cert
      """;

  static final String GRANT = """
      apiVersion: gateway.networking.k8s.io/v1beta1
      kind: ReferenceGrant
      metadata:
        name: gateways-may-use-certs
        namespace: certs
      spec:
        from:
        - group: gateway.networking.k8s.io
          kind: Gateway
          namespace: default
        to:
        - group: ""
          kind: Secret
      """;
  static Certificates.Pem cross, greet;
  static PlainBackend greeter;

  @BeforeAll
  static void start(org.junit.jupiter.api.TestInfo info) throws Exception {
    passBackend = new TlsBackend("pass", "pass.example.com");
    plainBackend = new PlainBackend();
    greeter = new PlainBackend("220 greet.example.com ready", java.time.Duration.ofMillis(300));
    greet = Certificates.selfSignedPem("greet.example.com");
    port = Fixtures.freePort();
    first = Certificates.selfSignedPem("secure.example.com");
    Files.writeString(folder.resolve("secret.yaml"), first.secret("default", "secure-cert") + "---\n"
        + greet.secret("default", "greet-cert"));
    cross = Certificates.selfSignedPem("cross.example.com");
    Files.writeString(folder.resolve("cross-secret.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: certs\n---\n" + cross.secret("certs", "cross-cert"));
    Files.writeString(folder.resolve("all.yaml"), join(GATEWAY_CLASS, GATEWAY.formatted(port, port, port, port),
        service("default", "pass", passBackend.port()), service("default", "plain", plainBackend.port()),
        service("default", "greeter", greeter.port()),
        route("greet", "mixed", List.of("greet.example.com"), List.of(new Backend("greeter"))),
        route("pass", "mixed", List.of("pass.example.com"), List.of(new Backend("pass"))),
        route("secure", "mixed", List.of("secure.example.com"), List.of(new Backend("plain"))),
        route("cross", "mixed", List.of("cross.example.com"), List.of(new Backend("plain")))));
    passage = new RunningPassage(folder, TlsProviderUnderTest.Of.config(info));
  }

  @AfterAll
  static void stop() throws IOException {
    if (passage != null) passage.close();
    if (passBackend != null) passBackend.close();
    if (plainBackend != null) plainBackend.close();
    if (greeter != null) greeter.close();
  }

  static SSLSocket connect(X509Certificate trusted, String sni) throws Exception {
    return TlsClient.connectTrusting("127.0.0.1", port, trusted, sni);
  }

  static String exchange(SSLSocket tls, String line) throws IOException {
    return TlsClient.exchangeLine(tls, line);
  }

  @Test
  void theListenersCertificateIsPresentedAndTheBackendReceivesPlaintext() throws Exception {
    int before = plainBackend.firstBytes().size();
    try (SSLSocket tls = connect(first.certificate(), "secure.example.com")) {
      X509Certificate presented = (X509Certificate) tls.getSession().getPeerCertificates()[0];
      assertEquals(first.certificate(), presented, "the listener's certificate, from the Secret");
      assertTrue(List.of("TLSv1.3", "TLSv1.2").contains(tls.getSession().getProtocol()), tls.getSession().getProtocol());
      assertEquals(null, tls.getApplicationProtocol() == null || tls.getApplicationProtocol().isEmpty() ? null : tls.getApplicationProtocol(),
          "no ALPN is negotiated on a TLSRoute listener");
      assertEquals("plain:hello over tls", exchange(tls, "hello over tls"));
    }
    Await.until(Duration.ofSeconds(5), "the backend saw the connection", () -> plainBackend.firstBytes().size() > before);
    byte[] got = plainBackend.firstBytes().get(plainBackend.firstBytes().size() - 1);
    assertArrayEquals("hello over tls\n".getBytes(StandardCharsets.ISO_8859_1), got, "the backend receives plaintext, never TLS");
  }

  @Test
  void theTlsProviderInUseIsReportedOnRoutesAndMetrics(org.junit.jupiter.api.TestInfo info) throws Exception {
    String expected = TlsProviderUnderTest.Of.provider(info);
    String routes = passage.get("/passage/routes").body();
    assertTrue(java.util.regex.Pattern.compile("\"tls\"\\s*:\\s*\"" + expected + " \\(").matcher(routes).find(),
        routes.substring(0, Math.min(200, routes.length())));
    String metrics = passage.get("/metrics").body();
    assertTrue(metrics.contains("passage_tls_provider_info{provider=\"" + expected + "\""), "the provider's metric");
  }

  /** The backend ends the connection: the client gets close_notify and the end of the connection, at once. */
  @Test
  void aBackendThatSpeaksFirstIsHeardWithoutTheClientSayingAnything() throws Exception {
    // the greeting comes after the client's handshake is done: BoringSSL's engine finished it one
    // call late, and the greeting waited for the client's first bytes (HandshakeRecordingEngine)
    try (SSLSocket tls = connect(greet.certificate(), "greet.example.com")) {
      assertEquals("220 greet.example.com ready", TlsBackend.readLine(tls.getInputStream()));
      assertEquals("plain:hello", exchange(tls, "hello"));
    }
  }

  @Test
  void aBackendThatClosesEndsTheClientsConnection() throws Exception {
    try (SSLSocket tls = connect(first.certificate(), "secure.example.com")) {
      assertEquals("plain:bye", exchange(tls, "bye"));
      assertEquals(-1, tls.getInputStream().read(), "the end, within the socket's read timeout");
    }
  }

  @Test
  void fullAndResumedHandshakesAreCounted() throws Exception {
    // connections of earlier cases count their handshake when they end: let them
    Await.until(Duration.ofSeconds(10), "no connection open", () -> passage.node.dataPlane().openConnections() == 0);
    double full = handshakes("false"), resumed = handshakes("true");
    javax.net.ssl.SSLContext client = TlsClient.trusting(first.certificate());
    try (SSLSocket tls = TlsClient.connect(client, "127.0.0.1", port, "secure.example.com")) {
      assertEquals("plain:first", exchange(tls, "first")); // the session ticket arrives with the answer
    }
    try (SSLSocket tls = TlsClient.connect(client, "127.0.0.1", port, "secure.example.com")) {
      assertEquals("plain:again", exchange(tls, "again"));
    }
    Await.until(Duration.ofSeconds(5), "both handshakes counted", () -> handshakes("false") + handshakes("true") >= full + resumed + 2);
    assertEquals(full + 1, handshakes("false"), "the first connection's handshake was a full one");
    assertEquals(resumed + 1, handshakes("true"), "the second resumed the first's session");
  }

  /** passage_tls_handshakes_total{resumed=...} on /metrics. */
  static double handshakes(String resumed) {
    try {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("passage_tls_handshakes_total\\{resumed=\"" + resumed + "\"} ([0-9.eE+]+)")
          .matcher(passage.get("/metrics").body());
      return m.find() ? Double.parseDouble(m.group(1)) : 0;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void thePassthroughHostnameOnTheSamePortReachesItsBackendsOwnCertificate() throws Exception {
    try (TlsClient c = TlsClient.connect(port, "pass.example.com")) {
      assertEquals("hello from pass sni=pass.example.com", c.greeting);
      assertEquals(passBackend.identity.certificate(), c.peerCertificate(), "passthrough: the backend's own certificate");
    }
  }

  @Test
  void aCertificateInAnotherNamespaceIsServedOnlyUnderAReferenceGrant() throws Exception {
    // without a grant: refused before any handshake (the table never names a Secret the Gateway may not use)
    assertEquals(0, TlsClient.sendAndReadUntilClosed(port, TlsClient.clientHello("cross.example.com")).length);
    assertTrue(passage.get("/passage/status").body().contains("RefNotPermitted"));
    Files.writeString(folder.resolve("grant.yaml"), GRANT);
    Await.until(Duration.ofSeconds(10), "the grant applied",
        () -> !passage.get("/passage/status").body().contains("RefNotPermitted"));
    Await.until(Duration.ofSeconds(10), "served under the grant", () -> {
      try (SSLSocket tls = connect(cross.certificate(), "cross.example.com")) {
        return exchange(tls, "granted").equals("plain:granted");
      } catch (IOException notYet) {
        return false;
      }
    });
    assertTrue(passage.get("/passage/routes").body().contains("cross-cert"), "the premise: the table names the Secret");
    Files.delete(folder.resolve("grant.yaml"));
    Await.until(Duration.ofSeconds(10), "the grant's removal reached the route table",
        () -> !passage.get("/passage/routes").body().contains("cross-cert"));
    assertEquals(0, TlsClient.sendAndReadUntilClosed(port, TlsClient.clientHello("cross.example.com")).length,
        "refused again once the grant is gone");
  }

  @Test
  void anSniWithoutARouteIsRefusedBeforeAnyHandshake() throws Exception {
    byte[] answer = TlsClient.sendAndReadUntilClosed(port, TlsClient.clientHello("other.example.com"));
    assertEquals(0, answer.length, "closed with FIN, no ServerHello and no alert");
  }

  @Test
  void aRenewedSecretIsServedToNewHandshakesWhileAnEstablishedSessionGoesOn() throws Exception {
    try (SSLSocket established = connect(first.certificate(), "secure.example.com")) {
      assertEquals("plain:before", exchange(established, "before"));
      Certificates.Pem renewed = Certificates.selfSignedPem("secure.example.com");
      Files.writeString(folder.resolve("secret.yaml"), renewed.secret("default", "secure-cert"));
      Await.until(Duration.ofSeconds(10), "new handshakes get the renewed certificate", () -> {
        try (SSLSocket fresh = connect(renewed.certificate(), "secure.example.com")) {
          return exchange(fresh, "renewed").equals("plain:renewed");
        } catch (SSLHandshakeException stillTheOldOne) {
          return false;
        }
      });
      assertEquals("plain:after", exchange(established, "after"), "the established session keeps its certificate");

      // a broken rewrite (a key that does not match) keeps the renewed certificate serving
      Certificates.Pem other = Certificates.selfSignedPem("secure.example.com");
      Files.writeString(folder.resolve("secret.yaml"),
          new Certificates.Pem(renewed.certificate(), renewed.crt(), other.key()).secret("default", "secure-cert"));
      Await.until(Duration.ofSeconds(10), "the listener reports the bad certificate", () ->
          passage.get("/passage/status").body().contains("tls.key does not match the certificate in tls.crt"));
      try (SSLSocket fresh = connect(renewed.certificate(), "secure.example.com")) {
        assertEquals("plain:still", exchange(fresh, "still"), "the last good certificate keeps serving");
      }
      // the first certificate is no longer presented to anyone
      assertThrows(SSLHandshakeException.class, () -> connect(first.certificate(), "secure.example.com").close());
      Files.writeString(folder.resolve("secret.yaml"), first.secret("default", "secure-cert") + "---\n"
        + greet.secret("default", "greet-cert"));
      Await.until(Duration.ofSeconds(10), "valid again", () -> {
        try (SSLSocket fresh = connect(first.certificate(), "secure.example.com")) {
          return true;
        } catch (SSLHandshakeException notYet) {
          return false;
        }
      });
    }
  }
}
