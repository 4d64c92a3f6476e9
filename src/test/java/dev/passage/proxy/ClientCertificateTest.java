package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.route;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Certificates;
import dev.passage.testkit.EchoHttpBackend;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.PlainBackend;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsClient;
import dev.passage.testkit.TlsProviderUnderTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frontend client-certificate validation (the Gateway's spec.tls.frontend), standalone, with real
 * TLS clients presenting certificates a CA signed. Gateway "mtls" validates (AllowValidOnly) on an
 * HTTPS listener and a TLS Terminate one: a client with a certificate the CA signed is served and
 * its backend learns it (X-Forwarded-Client-Cert); one without, or signed by another CA, is not.
 * Gateway "open" uses AllowInsecureFallback: everyone is served, and only a verified certificate
 * is forwarded. A client's own X-Forwarded-Client-Cert never reaches a backend. The CA ConfigMap
 * rewritten takes effect for new handshakes without a restart.
 */
class ClientCertificateTest {
  @TempDir
  static Path folder;
  static RunningPassage passage;
  static EchoHttpBackend echo;
  static PlainBackend plain;
  static Certificates.Pem web, secure;
  static Certificates.Authority ca, other;
  static int httpsPort, tlsPort, openPort;

  static String gateways(int https, int tls, int open) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: mtls, namespace: default}
        spec:
          gatewayClassName: passage
          tls:
            frontend:
              default:
                validation:
                  caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]
          listeners:
          - {name: https, protocol: HTTPS, port: %d, hostname: web.example.com,
             tls: {mode: Terminate, certificateRefs: [{name: web-cert}]}}
          - {name: tls, protocol: TLS, port: %d, hostname: secure.example.com,
             tls: {mode: Terminate, certificateRefs: [{name: secure-cert}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: open, namespace: default}
        spec:
          gatewayClassName: passage
          tls:
            frontend:
              default:
                validation:
                  mode: AllowInsecureFallback
                  caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]
          listeners:
          - {name: https, protocol: HTTPS, port: %d, hostname: web.example.com,
             tls: {mode: Terminate, certificateRefs: [{name: web-cert}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: default}
        spec:
          parentRefs: [{name: mtls}, {name: open}]
          hostnames: [web.example.com]
          rules: [{backendRefs: [{name: echo, port: 8443}]}]
        """.formatted(https, tls, open);
  }

  @BeforeAll
  static void start(TestInfo info) throws Exception {
    echo = new EchoHttpBackend("echo");
    plain = new PlainBackend();
    web = Certificates.selfSignedPem("web.example.com");
    secure = Certificates.selfSignedPem("secure.example.com");
    ca = Certificates.authority("Client CA");
    other = Certificates.authority("Another CA");
    httpsPort = Fixtures.freePort();
    tlsPort = Fixtures.freePort();
    openPort = Fixtures.freePort();
    Files.writeString(folder.resolve("secrets.yaml"), web.secret("default", "web-cert") + "---\n"
        + secure.secret("default", "secure-cert"));
    Files.writeString(folder.resolve("ca.yaml"), ca.configMap("default", "client-ca"));
    Files.writeString(folder.resolve("all.yaml"), join(GATEWAY_CLASS, gateways(httpsPort, tlsPort, openPort),
        service("default", "echo", echo.port()), service("default", "plain", plain.port()),
        route("secure", "mtls", List.of("secure.example.com"), List.of(new Fixtures.Backend("plain")))));
    passage = new RunningPassage(folder, TlsProviderUnderTest.Of.config(info));
  }

  @AfterAll
  static void stop() throws Exception {
    if (passage != null) passage.close();
    if (echo != null) echo.close();
    if (plain != null) plain.close();
  }

  /** One GET through an HTTPS listener with this client context: "status\nbody", or the failure. */
  static String get(SSLContext client, int port, String forgedHeader) throws Exception {
    javax.net.ssl.SSLParameters sni = new javax.net.ssl.SSLParameters();
    sni.setServerNames(List.of(new javax.net.ssl.SNIHostName("web.example.com")));
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
        .sslContext(client).sslParameters(sni).connectTimeout(Duration.ofSeconds(5)).build();
    java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("https://127.0.0.1:" + port + "/who")).header("Host", "web.example.com").timeout(Duration.ofSeconds(10));
    if (forgedHeader != null) request.header("X-Forwarded-Client-Cert", forgedHeader);
    java.net.http.HttpResponse<String> r = http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + "\n" + r.body();
  }

  /** Whether a request is refused during the handshake (TLS 1.3: the server's alert comes at the first read). */
  static boolean refused(SSLContext client, int port) {
    int before = echo.requests.get();
    try {
      String answer = get(client, port, null);
      return false; // answered

    } catch (Exception e) {
      return echo.requests.get() == before;
    }
  }

  static double handshakeFailures() throws Exception {
    return dev.passage.testkit.Scrape.of(passage).sum("passage_tls_handshake_failures_total", java.util.Map.of());
  }

  static String xfcc(String answer) {
    for (String line : answer.split("\n")) {
      if (line.startsWith("header:x-forwarded-client-cert=")) return line.substring("header:x-forwarded-client-cert=".length()).trim();
    }
    return null;
  }

  static SSLContext withoutCertificate() throws Exception {
    return TlsClient.trusting(web.certificate());
  }

  @Test
  void aClientWithACertificateTheCaSignedIsServedAndItsBackendLearnsWhichOne() throws Exception {
    Await.until(Duration.ofSeconds(10), "served", () -> get(ca.client("alice", web.certificate()), httpsPort, null).contains("backend=echo"));
    Certificates.Authority.Client alice = ca.issue("alice", web.certificate());
    String answer = get(alice.context(), httpsPort, "Hash=forged");
    byte[] presented = alice.certificate().getEncoded();
    assertTrue(answer.startsWith("200\n"), answer);
    String header = xfcc(answer);
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(presented));
    assertTrue(header != null && header.startsWith("Hash=" + hash + ";Cert=\"-----BEGIN%20CERTIFICATE-----"),
        "the SHA-256 of the certificate the client presented, then the certificate: " + answer);
    assertFalse(header.contains("forged"), "the client's own header never reaches the backend: " + header);
    assertTrue(header.contains(";Subject=\"CN=alice\"") && header.contains(";URI=spiffe://example.com/alice")
        && header.contains(";DNS=alice"), header);
  }

  @Test
  void aClientWithoutACertificateOrWithAnotherCasIsRefusedOnHttpsAndTlsListeners() throws Exception {
    Await.until(Duration.ofSeconds(10), "the premise: a good client is served",
        () -> get(ca.client("bob", web.certificate()), httpsPort, null).contains("backend=echo"));
    double failures = handshakeFailures();
    assertTrue(refused(withoutCertificate(), httpsPort), "no certificate");
    assertTrue(refused(other.client("mallory", web.certificate()), httpsPort), "a certificate another CA signed");
    // the operator sees them: passage_tls_handshake_failures_total
    Await.until(Duration.ofSeconds(10), "both refused handshakes counted", () -> handshakeFailures() >= failures + 2);

    int before = plain.firstBytes().size();
    try (SSLSocket tls = TlsClient.connect(ca.client("bob", secure.certificate()), "127.0.0.1", tlsPort, "secure.example.com")) {
      assertEquals("plain:hello", TlsClient.exchangeLine(tls, "hello"), "the TLS Terminate listener serves a good client");
    }
    for (SSLContext bad : List.of(TlsClient.trusting(secure.certificate()), other.client("mallory", secure.certificate()))) {
      int now = plain.firstBytes().size();
      try (SSLSocket tls = TlsClient.connect(bad, "127.0.0.1", tlsPort, "secure.example.com")) {
        tls.getOutputStream().write("hello\n".getBytes(StandardCharsets.ISO_8859_1));
        tls.getOutputStream().flush();
        assertEquals(-1, tls.getInputStream().read(), "closed, nothing answered");
      } catch (IOException expected) {
        // the handshake's alert
      }
      assertEquals(now, plain.firstBytes().size(), "the backend got no plaintext from a refused client");
    }
    assertTrue(plain.firstBytes().size() > before, "the premise: the good client reached the backend");
  }

  /**
   * The client learns why: a certificate another CA signed, presented anyway, gets "unknown CA" from
   * BoringSSL (a trust manager's own exception would be "internal error") and "certificate unknown" from
   * the JDK's engine.
   */
  @Test
  void aCertificateAnotherCaSignedIsRefusedWithAnAlertThatSaysSo(TestInfo info) throws Exception {
    String expected = TlsProviderUnderTest.Of.provider(info).equals("openssl") ? "unknown_ca" : "certificate_unknown";
    Exception refusal = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
        () -> get(other.issue("mallory", web.certificate(), true).context(), httpsPort, null));
    String messages = "";
    for (Throwable t = refusal; t != null; t = t.getCause()) messages += t + "\n";
    assertTrue(messages.contains(expected), messages);
  }

  @Test
  void insecureFallbackServesEveryoneAndForwardsOnlyAVerifiedCertificate() throws Exception {
    Await.until(Duration.ofSeconds(10), "served", () -> get(withoutCertificate(), openPort, null).contains("backend=echo"));
    String anonymous = get(withoutCertificate(), openPort, "Hash=forged");
    assertTrue(anonymous.startsWith("200\n"), anonymous);
    assertEquals(null, xfcc(anonymous), "no certificate, no header, and the forged one removed");
    String stranger = get(other.client("mallory", web.certificate()), openPort, null);
    assertTrue(stranger.startsWith("200\n"), stranger);
    assertEquals(null, xfcc(stranger), "a certificate that does not verify is not forwarded");
    String carol = get(ca.client("carol", web.certificate()), openPort, null);
    assertTrue(xfcc(carol) != null && xfcc(carol).contains("Subject=\"CN=carol\""), carol);
  }

  @Test
  void aRewrittenCaConfigMapIsUsedForNewHandshakesWithoutARestart() throws Exception {
    Certificates.Authority next = Certificates.authority("Next CA");
    try {
      Files.writeString(folder.resolve("ca.yaml"), next.configMap("default", "client-ca"));
      Await.until(Duration.ofSeconds(10), "the new CA is trusted",
          () -> get(next.client("dave", web.certificate()), httpsPort, null).contains("backend=echo"));
      assertTrue(refused(ca.client("dave", web.certificate()), httpsPort), "the old CA no longer is");
    } finally {
      Files.writeString(folder.resolve("ca.yaml"), ca.configMap("default", "client-ca"));
      Await.until(Duration.ofSeconds(10), "the first CA again",
          () -> get(ca.client("erin", web.certificate()), httpsPort, null).contains("backend=echo"));
    }
  }

  @Test
  void aValidationWithNoUsableCaRefusesEveryClientBeforeAnyHandshake() throws Exception {
    try {
      Files.writeString(folder.resolve("ca.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: client-ca, namespace: default}\n"
          + "data: {other: nothing}\n");
      Await.until(Duration.ofSeconds(10), "refused once the CA is gone",
          () -> TlsClient.refused("127.0.0.1", httpsPort, "web.example.com"));
      assertTrue(refused(ca.client("frank", web.certificate()), httpsPort), "even a certificate the old CA signed");
      String status = passage.get("/passage/status").body();
      assertTrue(status.contains("NoValidCACertificate") && status.contains("InvalidCACertificateRef"), status);
    } finally {
      Files.writeString(folder.resolve("ca.yaml"), ca.configMap("default", "client-ca"));
      Await.until(Duration.ofSeconds(10), "the CA again",
          () -> get(ca.client("erin", web.certificate()), httpsPort, null).contains("backend=echo"));
    }
  }
}
