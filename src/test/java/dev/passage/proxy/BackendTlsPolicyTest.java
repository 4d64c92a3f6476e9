package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.resources.Json;
import dev.passage.testkit.Await;
import dev.passage.testkit.Certificates;
import dev.passage.testkit.EchoHttpBackend;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.Scrape;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import dev.passage.testkit.TlsProviderUnderTest;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * BackendTLSPolicy and the Gateway's backend client certificate, standalone, replaying the
 * conformance tests (BackendTLSPolicy, ...SANValidation, ...InvalidCACertificateRef,
 * ...ConflictResolution, GatewayTLSBackendClientCertificate, BackendTLSPolicyTLSRouteTerminate)
 * with real HTTPS and TLS backends whose certificates a CA signed (SANs abc.example.com and
 * spiffe://example.com/abc): Passage re-encrypts with the policy's hostname as SNI and checks
 * the backend's certificate; a backend whose certificate does not name the hostname, or that
 * another CA signed, gets no request (502), a policy without a usable CA none either (500); a
 * backend that requires a client certificate gets the Gateway's. The backends report the SNI and
 * client certificate they saw, so what reached them is checked there, not inferred.
 */
class BackendTlsPolicyTest {
  @TempDir
  static Path folder;
  static RunningPassage passage;
  static Certificates.Authority backendCa, otherCa, gatewayClientCa;
  static EchoHttpBackend good, mtls;
  static TlsBackend tlsEcho;
  static Certificates.Pem secure;
  static int httpPort, tlsPort, mtlsPort;

  static String policy(String name, String service, String ca, String hostname, String extra) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: %s, namespace: default%s}
        spec:
          targetRefs: [{group: "", kind: Service, name: %s}]
          validation:
            caCertificateRefs: [{group: "", kind: ConfigMap, name: %s}]
            hostname: %s
        %s""".formatted(name, name.startsWith("conflict") ? ", creationTimestamp: \"2026-01-0" + (name.endsWith("old") ? 1 : 2)
        + "T00:00:00Z\"" : "", service, ca, hostname, extra);
  }

  static String httpRoute(String name, String gateway, String host, String service) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: %s, namespace: default}
        spec:
          parentRefs: [{name: %s}]
          hostnames: [%s]
          rules: [{backendRefs: [{name: %s, port: 8443}]}]
        """.formatted(name, gateway, host, service);
  }

  static String configuration() {
    return join(GATEWAY_CLASS, """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          gatewayClassName: passage
          listeners:
          - {name: http, protocol: HTTP, port: %d}
          - {name: secure, protocol: TLS, port: %d, hostname: secure.example.com,
             tls: {mode: Terminate, certificateRefs: [{name: secure-cert}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: mtls-gw, namespace: default}
        spec:
          gatewayClassName: passage
          tls:
            backend:
              clientCertificateRef: {group: "", kind: Secret, name: gateway-client}
          listeners:
          - {name: http, protocol: HTTP, port: %d}
        """.formatted(httpPort, tlsPort, mtlsPort),
        service("default", "good", good.port()), service("default", "mismatch", good.port()),
        service("default", "wrongca", good.port()), service("default", "invalid", good.port()),
        service("default", "san", good.port()), service("default", "conflicted", good.port()),
        service("default", "mtls", mtls.port()), service("default", "tlsecho", tlsEcho.port()),
        httpRoute("good", "gw", "good.example.com", "good"),
        httpRoute("mismatch", "gw", "mismatch.example.com", "mismatch"),
        httpRoute("wrongca", "gw", "wrongca.example.com", "wrongca"),
        httpRoute("invalid", "gw", "invalid.example.com", "invalid"),
        httpRoute("san", "gw", "san.example.com", "san"),
        httpRoute("conflicted", "gw", "conflicted.example.com", "conflicted"),
        httpRoute("mtls", "gw", "mtls.example.com", "mtls"),
        httpRoute("mtls-via-gateway", "mtls-gw", "mtls.example.com", "mtls"),
        Fixtures.route("secure", "gw", List.of("secure.example.com"), List.of(new Fixtures.Backend("tlsecho"))),
        policy("good", "good", "backend-ca", "abc.example.com", ""),
        policy("mismatch", "mismatch", "backend-ca", "abc.example.org", ""),
        policy("wrongca", "wrongca", "other-ca", "abc.example.com", ""),
        policy("invalid", "invalid", "no-such-configmap", "abc.example.com", ""),
        policy("san", "san", "backend-ca", "whatever.example.com",
            "    subjectAltNames: [{type: URI, uri: \"spiffe://example.com/abc\"}]\n"),
        policy("conflict-old", "conflicted", "backend-ca", "abc.example.com", ""),
        policy("conflict-new", "conflicted", "other-ca", "other.example.com", ""),
        policy("mtls", "mtls", "backend-ca", "abc.example.com", ""),
        policy("tlsecho", "tlsecho", "backend-ca", "abc.example.com", ""));
  }

  @BeforeAll
  static void start(TestInfo info) throws Exception {
    backendCa = Certificates.authority("Backend CA");
    otherCa = Certificates.authority("Other CA");
    gatewayClientCa = Certificates.authority("Gateway client CA");
    List<String> dns = List.of("abc.example.com");
    List<String> uris = List.of("spiffe://example.com/abc");
    good = new EchoHttpBackend("good", backendCa.server(dns, uris, null), false);
    mtls = new EchoHttpBackend("mtls", backendCa.server(dns, uris, gatewayClientCa), true);
    tlsEcho = new TlsBackend("tlsecho", backendCa.server(dns, uris, null), InetAddress.getLoopbackAddress());
    secure = Certificates.selfSignedPem("secure.example.com");
    httpPort = Fixtures.freePort();
    tlsPort = Fixtures.freePort();
    mtlsPort = Fixtures.freePort();
    Files.writeString(folder.resolve("secrets.yaml"), secure.secret("default", "secure-cert") + "---\n"
        + gatewayClientCa.clientPem("gateway").secret("default", "gateway-client"));
    Files.writeString(folder.resolve("cas.yaml"), backendCa.configMap("default", "backend-ca") + "---\n"
        + otherCa.configMap("default", "other-ca"));
    Files.writeString(folder.resolve("all.yaml"), configuration());
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("passage.access")).addAppender(access);
    access.start();
    passage = new RunningPassage(folder, TlsProviderUnderTest.Of.config(info) + "passage.proxy.access-log = on\n");
  }

  /** The access log's lines: a refused backend's reason is read there, as an operator would. */
  static final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> access =
      new ch.qos.logback.core.read.ListAppender<>();

  static boolean accessLogSays(String text) {
    synchronized (access) {
      return access.list.stream().anyMatch(e -> e.getFormattedMessage().contains(text));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (passage != null) passage.close();
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("passage.access")).detachAppender(access);
    if (good != null) good.close();
    if (mtls != null) mtls.close();
    if (tlsEcho != null) tlsEcho.close();
  }

  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** "status\nbody" of a GET through an HTTP listener with this Host. */
  static String get(int port, String host) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/backendtlspolicy"))
        .header("Host", host).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + "\n" + r.body();
  }

  /** The conditions of a BackendTLSPolicy under its one ancestor, by type: "status reason". */
  static Map<String, String> policyConditions(String name) throws Exception {
    Map<String, String> out = new HashMap<>();
    for (JsonNode o : Json.JSON.readTree(passage.get("/passage/status").body())) {
      if (!o.get("kind").asString().equals("BackendTLSPolicy") || !o.get("name").asString().equals(name)) continue;
      JsonNode ancestors = o.get("status").get("ancestors");
      assertEquals(1, ancestors.size(), o.toString());
      assertEquals("gw", ancestors.get(0).get("ancestorRef").get("name").asString());
      for (JsonNode c : ancestors.get(0).get("conditions")) {
        out.put(c.get("type").asString(), c.get("status").asString() + " " + c.get("reason").asString());
      }
    }
    return out;
  }

  @Test
  void reencryptsWithThePolicysHostnameAsSni() throws Exception {
    Await.until(Duration.ofSeconds(15), "served", () -> get(httpPort, "good.example.com").startsWith("200"));
    String answer = get(httpPort, "good.example.com");
    assertTrue(answer.contains("backend=good") && answer.contains("sni=abc.example.com"), answer);
    assertTrue(answer.contains("client=-"), "gw names no client certificate: " + answer);
    assertEquals(Map.of("Accepted", "True Accepted", "ResolvedRefs", "True ResolvedRefs"), policyConditions("good"));
  }

  @Test
  void aBackendWhoseCertificateDoesNotNameTheHostnameGetsNoRequest() throws Exception {
    Await.until(Duration.ofSeconds(15), "served", () -> get(httpPort, "good.example.com").startsWith("200"));
    int before = good.requests.get();
    double failures = backendTlsFailures();
    assertTrue(get(httpPort, "mismatch.example.com").startsWith("502"));
    assertTrue(get(httpPort, "wrongca.example.com").startsWith("502"));
    assertEquals(before, good.requests.get(), "no request reached the backend");
    Await.until(Duration.ofSeconds(5), "both failures counted", () -> backendTlsFailures() >= failures + 2);
    // and the access log says which check refused which backend, naming the policy
    assertTrue(accessLogSays("the backend's certificate does not name abc.example.org (default/mismatch)"));
    assertTrue(accessLogSays("the backend's certificate does not chain to a CA of default/wrongca"));
    // the policies themselves are valid: the failure is the backend's certificate
    assertEquals(Map.of("Accepted", "True Accepted", "ResolvedRefs", "True ResolvedRefs"), policyConditions("mismatch"));
    assertEquals(Map.of("Accepted", "True Accepted", "ResolvedRefs", "True ResolvedRefs"), policyConditions("wrongca"));
  }

  @Test
  void aPolicyWithoutAUsableCaAnswers500AndSaysWhy() throws Exception {
    Await.until(Duration.ofSeconds(15), "served", () -> get(httpPort, "good.example.com").startsWith("200"));
    int before = good.requests.get();
    assertTrue(get(httpPort, "invalid.example.com").startsWith("500"));
    assertEquals(before, good.requests.get());
    assertEquals(Map.of("Accepted", "False NoValidCACertificate", "ResolvedRefs", "False InvalidCACertificateRef"),
        policyConditions("invalid"));
  }

  @Test
  void subjectAltNamesReplaceTheHostnameForVerification() throws Exception {
    Await.until(Duration.ofSeconds(15), "served", () -> get(httpPort, "san.example.com").startsWith("200"));
    String answer = get(httpPort, "san.example.com");
    assertTrue(answer.contains("sni=whatever.example.com"), "the hostname is still the SNI: " + answer);
  }

  @Test
  void theOlderOfTwoConflictingPoliciesApplies() throws Exception {
    Await.until(Duration.ofSeconds(15), "served", () -> get(httpPort, "conflicted.example.com").startsWith("200"));
    assertTrue(get(httpPort, "conflicted.example.com").contains("sni=abc.example.com"), "conflict-old's hostname");
    assertEquals("True Accepted", policyConditions("conflict-old").get("Accepted"));
    assertEquals("False Conflicted", policyConditions("conflict-new").get("Accepted"));
  }

  @Test
  void theGatewaysClientCertificateIsPresentedToBackends() throws Exception {
    Await.until(Duration.ofSeconds(15), "served", () -> get(mtlsPort, "mtls.example.com").startsWith("200"));
    String answer = get(mtlsPort, "mtls.example.com");
    assertTrue(answer.contains("backend=mtls") && answer.contains("client=CN=gateway"), answer);
    // the premise: this backend refuses a client without one (gw names none)
    int before = mtls.requests.get();
    assertTrue(get(httpPort, "mtls.example.com").startsWith("502"));
    assertEquals(before, mtls.requests.get());
    assertEquals("True ResolvedRefs", gatewayCondition("mtls-gw", "ResolvedRefs"), "the client certificate's Secret resolves");
  }

  @Test
  void aTerminatedTlsRouteIsReencryptedToItsBackend() throws Exception {
    Await.until(Duration.ofSeconds(15), "served", () -> {
      try (TlsClient c = TlsClient.connect(tlsPort, "secure.example.com")) {
        return c.greeting != null;
      } catch (java.io.IOException e) {
        return false;
      }
    });
    try (TlsClient c = TlsClient.connect(tlsPort, "secure.example.com")) {
      assertEquals(secure.certificate(), c.peerCertificate(), "the client meets the listener's certificate");
      assertEquals("hello from tlsecho sni=abc.example.com", c.greeting, "the backend saw the policy's hostname");
      c.send("ECHO\n");
      byte[] payload = new byte[100_000];
      new java.util.Random(7).nextBytes(payload);
      c.tls.getOutputStream().write(payload);
      c.tls.getOutputStream().flush();
      byte[] back = c.in().readNBytes(payload.length);
      assertTrue(java.util.Arrays.equals(payload, back), "bytes through two TLS sessions come back the same");
    }
  }

  /** A CA ConfigMap that changes is used for the next connections: rotated away, the backend is refused; back, served. */
  @Test
  void aCaRotationAppliesToNewConnections() throws Exception {
    Path cas = folder.resolve("cas.yaml");
    Await.until(Duration.ofSeconds(15), "served", () -> get(httpPort, "good.example.com").startsWith("200"));
    try {
      Files.writeString(cas, otherCa.configMap("default", "backend-ca") + "---\n" + otherCa.configMap("default", "other-ca"));
      Await.until(Duration.ofSeconds(15), "refused under the other CA", () -> get(httpPort, "good.example.com").startsWith("502"));
    } finally {
      Files.writeString(cas, backendCa.configMap("default", "backend-ca") + "---\n" + otherCa.configMap("default", "other-ca"));
    }
    Await.until(Duration.ofSeconds(15), "served again", () -> get(httpPort, "good.example.com").startsWith("200"));
  }

  /** A Gateway's condition of this type: "status reason" (null when it has none). */
  static String gatewayCondition(String name, String type) throws Exception {
    for (JsonNode o : Json.JSON.readTree(passage.get("/passage/status").body())) {
      if (!o.get("kind").asString().equals("Gateway") || !o.get("name").asString().equals(name)) continue;
      for (JsonNode c : o.get("status").get("conditions")) {
        if (c.get("type").asString().equals(type)) return c.get("status").asString() + " " + c.get("reason").asString();
      }
    }
    return null;
  }

  static double backendTlsFailures() throws Exception {
    return Scrape.of(passage).sum("passage_backend_tls_failures_total", Map.of());
  }
}
