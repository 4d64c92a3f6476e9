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
import dev.passage.testkit.PlainBackend;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * ListenerSets standalone, with real sockets: the platform team's Gateway (namespace infra) admits
 * ListenerSets from namespaces labelled team=apps; the apps team adds, on the Gateway's port, a
 * Passthrough listener, a Terminate listener and (on a port of its own) an HTTPS one, with
 * certificates from a Secret in its own namespace, and attaches its routes to them by
 * {@code parentRefs: [{kind: ListenerSet}]}. Each is served with its own certificate or the
 * backend's; a ListenerSet from a namespace the Gateway does not admit is refused (NotAllowed) and
 * none of its listeners is served; a label change admits or refuses the set at run time; a
 * certificate in another namespace needs a ReferenceGrant from ListenerSet, the Gateway's own
 * grant does not count.
 */
class ListenerSetTest {
  @TempDir
  static Path folder;
  static int port, webPort;
  static RunningPassage passage;
  static TlsBackend passBackend;
  static PlainBackend plainBackend;
  static EchoHttpBackend web;
  static Certificates.Pem appCert, sharedCert;

  static final String PLATFORM = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata:
        name: platform
        namespace: infra
      spec:
        gatewayClassName: passage
        allowedListeners:
          namespaces:
            from: Selector
            selector:
              matchLabels: {team: apps}
        listeners:
        - name: own
          protocol: TLS
          port: %d
          hostname: own.example.com
          tls:
            mode: Passthrough
      """;

  static final String APPS_SET = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: ListenerSet
      metadata:
        name: apps-listeners
        namespace: apps
      spec:
        parentRef: {name: platform, namespace: infra}
        listeners:
        - name: pass
          protocol: TLS
          port: %1$d
          hostname: pass.apps.example.com
          tls: {mode: Passthrough}
        - name: secure
          protocol: TLS
          port: %1$d
          hostname: secure.apps.example.com
          tls:
            mode: Terminate
            certificateRefs: [{name: app-cert}]
        - name: shared
          protocol: TLS
          port: %1$d
          hostname: shared.apps.example.com
          tls:
            mode: Terminate
            certificateRefs: [{name: shared-cert, namespace: infra}]
        - name: web
          protocol: HTTPS
          port: %2$d
          hostname: web.apps.example.com
          tls:
            certificateRefs: [{name: app-cert}]
      """;

  static final String ROGUE_SET = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: ListenerSet
      metadata:
        name: rogue
        namespace: other
      spec:
        parentRef: {name: platform, namespace: infra}
        listeners:
        - name: pass
          protocol: TLS
          port: %d
          hostname: rogue.example.com
          tls: {mode: Passthrough}
      """;

  static final String ROUTES = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: TLSRoute
      metadata: {name: pass, namespace: apps}
      spec:
        parentRefs: [{kind: ListenerSet, name: apps-listeners, sectionName: pass}]
        hostnames: [pass.apps.example.com]
        rules: [{backendRefs: [{name: pass, port: 8443}]}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: TLSRoute
      metadata: {name: secure, namespace: apps}
      spec:
        parentRefs: [{kind: ListenerSet, name: apps-listeners}]
        hostnames: [secure.apps.example.com, shared.apps.example.com]
        rules: [{backendRefs: [{name: plain, port: 8443}]}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: web, namespace: apps}
      spec:
        parentRefs: [{kind: ListenerSet, name: apps-listeners, sectionName: web}]
        rules: [{backendRefs: [{name: web, port: 8443}]}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: TLSRoute
      metadata: {name: rogue, namespace: other}
      spec:
        parentRefs: [{kind: ListenerSet, name: rogue}]
        rules: [{backendRefs: [{name: pass, namespace: apps, port: 8443}]}]
      """;

  static final String GATEWAY_GRANT = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: ReferenceGrant
      metadata: {name: gateways-may-use-certs, namespace: infra}
      spec:
        from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
        to: [{group: "", kind: Secret}]
      """;

  static final String SET_GRANT = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: ReferenceGrant
      metadata: {name: apps-listeners-may-use-certs, namespace: infra}
      spec:
        from: [{group: gateway.networking.k8s.io, kind: ListenerSet, namespace: apps}]
        to: [{group: "", kind: Secret, name: shared-cert}]
      """;

  static String namespace(String name, String labels) {
    return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n  labels: {" + labels + "}\n";
  }

  @BeforeAll
  static void start() throws Exception {
    passBackend = new TlsBackend("pass", "pass.apps.example.com");
    plainBackend = new PlainBackend();
    web = new EchoHttpBackend("web");
    port = Fixtures.freePort();
    webPort = Fixtures.freePort();
    appCert = Certificates.selfSignedPem("*.apps.example.com");
    sharedCert = Certificates.selfSignedPem("shared.apps.example.com");
    Files.writeString(folder.resolve("namespaces.yaml"), join(namespace("infra", ""), namespace("other", "")));
    Files.writeString(folder.resolve("apps-namespace.yaml"), namespace("apps", "team: apps"));
    Files.writeString(folder.resolve("platform.yaml"), join(GATEWAY_CLASS, PLATFORM.formatted(port),
        sharedCert.secret("infra", "shared-cert"), GATEWAY_GRANT));
    Files.writeString(folder.resolve("apps.yaml"), join(APPS_SET.formatted(port, webPort), appCert.secret("apps", "app-cert"),
        service("apps", "pass", passBackend.port()), service("apps", "plain", plainBackend.port()),
        service("apps", "web", web.port()), ROUTES, ROGUE_SET.formatted(port), Fixtures.serviceGrant("rogue", "apps", "other")));
    passage = new RunningPassage(folder, "");
    Await.until(Duration.ofSeconds(15), "the apps' ListenerSet accepted", () -> "True".equals(condition("ListenerSet", "apps",
        "apps-listeners", "Accepted")[0]));
  }

  @AfterAll
  static void stop() throws IOException {
    if (passage != null) passage.close();
    if (passBackend != null) passBackend.close();
    if (plainBackend != null) plainBackend.close();
    if (web != null) web.close();
  }

  /** {status, reason} of a condition on an object, from /passage/status ({null, null} when absent). */
  static String[] condition(String kind, String namespace, String name, String type) throws Exception {
    JsonNode o = object(kind, namespace, name);
    if (o == null) return new String[] {null, null};
    for (JsonNode c : o.path("status").path("conditions")) {
      if (c.path("type").asText().equals(type)) return new String[] {c.path("status").asText(), c.path("reason").asText()};
    }
    return new String[] {null, null};
  }

  static JsonNode object(String kind, String namespace, String name) throws Exception {
    for (JsonNode o : Json.JSON.readTree(passage.get("/passage/status").body())) {
      if (o.path("kind").asText().equals(kind) && o.path("namespace").asText().equals(namespace)
          && o.path("name").asText().equals(name)) return o;
    }
    return null;
  }

  /** A listener's entry in a ListenerSet's or Gateway's status. */
  static JsonNode listener(String kind, String namespace, String name, String listener) throws Exception {
    for (JsonNode l : object(kind, namespace, name).path("status").path("listeners")) {
      if (l.path("name").asText().equals(listener)) return l;
    }
    throw new AssertionError("no listener " + listener + " in the status of " + kind + " " + namespace + "/" + name);
  }

  static String listenerCondition(JsonNode listener, String type) {
    for (JsonNode c : listener.path("conditions")) if (c.path("type").asText().equals(type)) return c.path("status").asText() + " " + c.path("reason").asText();
    return null;
  }

  static boolean passServed() {
    try (TlsClient c = TlsClient.connect(port, "pass.apps.example.com")) {
      return "hello from pass sni=pass.apps.example.com".equals(c.greeting);
    } catch (IOException refused) {
      return false;
    }
  }

  @Test
  void aPassthroughListenerOfTheSetReachesItsBackendsOwnCertificate() throws Exception {
    try (TlsClient c = TlsClient.connect(port, "pass.apps.example.com")) {
      assertEquals("hello from pass sni=pass.apps.example.com", c.greeting);
      assertEquals(passBackend.identity.certificate(), c.peerCertificate(), "passthrough: the backend's own certificate");
    }
    assertEquals(1, listener("ListenerSet", "apps", "apps-listeners", "pass").path("attachedRoutes").asInt());
    assertEquals(1, object("Gateway", "infra", "platform").path("status").path("attachedListenerSets").asInt());
  }

  @Test
  void aTerminateListenerOfTheSetPresentsTheCertificateFromTheSetsNamespace() throws Exception {
    try (SSLSocket tls = TlsClient.connectTrusting("127.0.0.1", port, appCert.certificate(), "secure.apps.example.com")) {
      assertEquals(appCert.certificate(), tls.getSession().getPeerCertificates()[0], "the set's Secret, apps/app-cert");
      assertEquals("plain:through the set", TlsClient.exchangeLine(tls, "through the set"));
    }
  }

  @Test
  void anHttpsListenerOfTheSetServesItsHttpRoute() throws Exception {
    SSLParameters sni = new SSLParameters();
    sni.setServerNames(List.of(new javax.net.ssl.SNIHostName("web.apps.example.com")));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .sslContext(TlsClient.trusting(appCert.certificate())).sslParameters(sni).connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + webPort + "/hi"))
        .header("Host", "web.apps.example.com").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("backend=web"), r.body());
    assertTrue(r.body().contains("path=/hi"), r.body());
  }

  @Test
  void aSetFromANamespaceTheGatewayDoesNotAdmitIsRefusedAndNotServed() throws Exception {
    assertEquals("False NotAllowed", String.join(" ", condition("ListenerSet", "other", "rogue", "Accepted")));
    assertEquals("False NotAllowed", String.join(" ", condition("ListenerSet", "other", "rogue", "Programmed")));
    assertEquals("False NotAllowedByListeners", String.join(" ", routeCondition("other", "rogue")));
    assertTrue(TlsClient.refused(port, "rogue.example.com"), "no listener of the refused set is served");
    // the Gateway's own listener on the same port is untouched
    assertEquals("True Accepted", String.join(" ", condition("Gateway", "infra", "platform", "Accepted")));
  }

  static String[] routeCondition(String namespace, String name) throws Exception {
    JsonNode o = object("TLSRoute", namespace, name);
    for (JsonNode c : o.path("status").path("parents").get(0).path("conditions")) {
      if (c.path("type").asText().equals("Accepted")) return new String[] {c.path("status").asText(), c.path("reason").asText()};
    }
    throw new AssertionError("no Accepted on " + o);
  }

  @Test
  void aCertificateInTheGatewaysNamespaceNeedsAGrantForListenerSetsNotTheGatewaysOwn() throws Exception {
    // infra grants Gateways, not ListenerSets: the set's listener may not use infra/shared-cert
    assertEquals("False RefNotPermitted", listenerCondition(listener("ListenerSet", "apps", "apps-listeners", "shared"),
        "ResolvedRefs"));
    assertEquals(0, TlsClient.sendAndReadUntilClosed(port, TlsClient.clientHello("shared.apps.example.com")).length,
        "refused before a handshake: the table never names a Secret its listener may not use");
    Files.writeString(folder.resolve("set-grant.yaml"), SET_GRANT);
    try {
      Await.until(Duration.ofSeconds(10), "served under the ListenerSet's grant", () -> {
        try (SSLSocket tls = TlsClient.connectTrusting("127.0.0.1", port, sharedCert.certificate(), "shared.apps.example.com")) {
          return TlsClient.exchangeLine(tls, "granted").equals("plain:granted");
        } catch (IOException notYet) {
          return false;
        }
      });
      assertEquals("True ResolvedRefs", listenerCondition(listener("ListenerSet", "apps", "apps-listeners", "shared"),
          "ResolvedRefs"));
      assertTrue(passage.get("/passage/routes").body().contains("shared-cert"), "the premise: the table names the Secret");
    } finally {
      Files.delete(folder.resolve("set-grant.yaml"));
    }
    Await.until(Duration.ofSeconds(10), "the grant's removal reached the route table",
        () -> !passage.get("/passage/routes").body().contains("shared-cert"));
    assertEquals(0, TlsClient.sendAndReadUntilClosed(port, TlsClient.clientHello("shared.apps.example.com")).length,
        "refused again once the grant is gone");
  }

  @Test
  void aNamespaceLabelAdmitsOrRefusesTheSetAtRunTime() throws Exception {
    assertTrue(passServed(), "the premise: served while apps is labelled team=apps");
    try {
      Files.writeString(folder.resolve("apps-namespace.yaml"), namespace("apps", "team: elsewhere"));
      Await.until(Duration.ofSeconds(10), "the set refused", () -> "NotAllowed".equals(condition("ListenerSet", "apps",
          "apps-listeners", "Accepted")[1]));
      Await.until(Duration.ofSeconds(10), "its listeners withdrawn", () -> !passServed());
      assertEquals(0, object("Gateway", "infra", "platform").path("status").path("attachedListenerSets").asInt());
      assertTrue(TlsClient.refused(port, "pass.apps.example.com"));
      // the Gateway's own listener stays
      assertEquals("True", listenerCondition(listener("Gateway", "infra", "platform", "own"), "Programmed").split(" ")[0]);
    } finally {
      Files.writeString(folder.resolve("apps-namespace.yaml"), namespace("apps", "team: apps"));
    }
    Await.until(Duration.ofSeconds(10), "admitted again", () -> passServed());
    assertEquals("True Accepted", String.join(" ", routeCondition("apps", "pass")));
  }
}
