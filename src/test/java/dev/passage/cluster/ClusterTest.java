package dev.passage.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import dev.passage.testkit.WireSocket;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three Passage nodes (three ActorSystems on 127.0.0.1, each serving on its own address
 * 127.0.0.2-4) form one cluster in Kubernetes mode against the mock API server. A route applied
 * once is served by every node; a node that joins late serves it as soon as it reports ready;
 * stopping the node that holds the controller leaves the others routing every connection while the
 * singleton moves, and a change made after the move reaches them. Every node also terminates TLS
 * with certificates it reads itself, serves a ListenerSet's listener and re-encrypts to a backend
 * under a BackendTLSPolicy, and serves a TCPRoute and a UDPRoute.
 */
class ClusterTest {
  static MockApiServer api;
  static TlsBackend first, second;
  static final List<RunningPassage> nodes = new ArrayList<>();
  static int portBase;
  static int[] remoting;
  static final java.util.Map<RunningPassage, String> addressOf = new java.util.concurrent.ConcurrentHashMap<>();
  static dev.passage.testkit.PlainBackend plain;
  static dev.passage.testkit.Certificates.Pem secure;
  static dev.passage.testkit.EchoHttpBackend echo;
  /** Behind a ListenerSet's HTTPS listener, reached over TLS again under a BackendTLSPolicy. */
  static dev.passage.testkit.EchoHttpBackend reencrypted;
  static dev.passage.testkit.Certificates.Pem teamCert;
  static dev.passage.testkit.Certificates.Authority backendCa;

  /**
   * A Gateway that admits ListenerSets of its namespace; a team's set adds an HTTPS listener (its
   * certificate a Secret of the set's) whose HTTPRoute goes to an HTTPS backend under a
   * BackendTLSPolicy (SNI abc.example.com, a CA from a ConfigMap).
   */
  /** A TCP listener and its TCPRoute to a backend that speaks first. */
  static final String TCP_GATEWAY_AND_ROUTE = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: tcpgw, namespace: default}
      spec:
        gatewayClassName: passage
        listeners: [{name: db, protocol: TCP, port: 5432}, {name: dns, protocol: UDP, port: 5353}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: UDPRoute
      metadata: {name: dns, namespace: default}
      spec:
        parentRefs: [{name: tcpgw, sectionName: dns}]
        rules: [{backendRefs: [{name: dns, port: 53}]}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: TCPRoute
      metadata: {name: db, namespace: default}
      spec:
        parentRefs: [{name: tcpgw}]
        rules: [{backendRefs: [{name: greeter, port: 8443}]}]
      ---
      apiVersion: passage.dev/v1alpha1
      kind: TrafficPolicy
      metadata: {name: db, namespace: default}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: TCPRoute, name: db}]
        connections: {maxConcurrent: 1}
      """;
  static dev.passage.testkit.PlainBackend greeter;
  static dev.passage.testkit.UdpEcho dns;

  static final String LISTENER_SET_AND_POLICY = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: lgw, namespace: default}
      spec:
        gatewayClassName: passage
        allowedListeners: {namespaces: {from: Same}}
        listeners:
        - {name: http, protocol: HTTP, port: 80}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: ListenerSet
      metadata: {name: team, namespace: default}
      spec:
        parentRef: {name: lgw}
        listeners:
        - name: web
          protocol: HTTPS
          port: 443
          hostname: team.example.com
          tls: {certificateRefs: [{name: team-cert}]}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: team-web, namespace: default}
      spec:
        parentRefs: [{group: gateway.networking.k8s.io, kind: ListenerSet, name: team}]
        rules: [{backendRefs: [{name: reencrypted, port: 8443}]}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: BackendTLSPolicy
      metadata: {name: reencrypted, namespace: default}
      spec:
        targetRefs: [{group: "", kind: Service, name: reencrypted}]
        validation:
          caCertificateRefs: [{group: "", kind: ConfigMap, name: backend-ca}]
          hostname: abc.example.com
      """;

  /** An HTTP Gateway and an HTTPRoute with a match and a filter: its compiled rules must reach every node. */
  static final String HTTP_GATEWAY_AND_ROUTE = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata:
        name: hgw
        namespace: default
      spec:
        gatewayClassName: passage
        listeners:
        - name: http
          protocol: HTTP
          port: 80
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata:
        name: web
        namespace: default
      spec:
        parentRefs: [{name: hgw}]
        hostnames: ["web.example.com"]
        rules:
        - matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: X-Env, value: prod}]}]
          filters:
          - type: RequestHeaderModifier
            requestHeaderModifier: {set: [{name: X-Rule, value: api-prod}]}
          backendRefs: [{name: echo, port: 8443}]
      """;

  @BeforeAll
  static void start() throws Exception {
    api = new MockApiServer();
    first = new TlsBackend("first", "app.example.com");
    second = new TlsBackend("second", "app.example.com");
    portBase = Fixtures.freePortRange(21);
    remoting = new int[] {Fixtures.freePort(), Fixtures.freePort(), Fixtures.freePort(), Fixtures.freePort()};
    plain = new dev.passage.testkit.PlainBackend();
    echo = new dev.passage.testkit.EchoHttpBackend("echo");
    secure = dev.passage.testkit.Certificates.selfSignedPem("secure.example.com");
    teamCert = dev.passage.testkit.Certificates.selfSignedPem("team.example.com");
    greeter = new dev.passage.testkit.PlainBackend("220 greeter ready", Duration.ZERO);
    dns = new dev.passage.testkit.UdpEcho("dns");
    backendCa = dev.passage.testkit.Certificates.authority("Backend CA");
    reencrypted = new dev.passage.testkit.EchoHttpBackend("reencrypted",
        backendCa.server(List.of("abc.example.com"), List.of(), null), false);
    for (int i = 0; i < 3; i++) nodes.add(node(i, false));
    Await.until(Duration.ofSeconds(30), "three members Up", () -> {
      var members = Cluster.get(nodes.get(2).node.system()).state().getMembers();
      int up = 0;
      for (var m : members) if (m.status() == MemberStatus.up()) up++;
      return up == 3;
    });
    api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", 443),
        Fixtures.service("default", "first", first.port()), Fixtures.service("default", "second", second.port()),
        Fixtures.route("app", "gw", List.of("app.example.com"), List.of(new Fixtures.Backend("first"))),
        // a Terminate listener: every node reads the Secret from the API server itself
        secure.secret("default", "secure-cert"), Fixtures.service("default", "plain", plain.port()),
        Fixtures.terminatingGateway("tgw", 443, "secure.example.com", "secure-cert"),
        Fixtures.route("secure", "tgw", List.of("secure.example.com"), List.of(new Fixtures.Backend("plain"))),
        Fixtures.service("default", "echo", echo.port()), HTTP_GATEWAY_AND_ROUTE, ticketKeys(1),
        LISTENER_SET_AND_POLICY, teamCert.secret("default", "team-cert"), backendCa.configMap("default", "backend-ca"),
        Fixtures.service("default", "reencrypted", reencrypted.port()), TCP_GATEWAY_AND_ROUTE,
        Fixtures.service("default", "greeter", greeter.port()), """
        apiVersion: v1
        kind: Service
        metadata: {name: dns, namespace: default}
        spec: {ports: [{name: dns, protocol: UDP, port: 53}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: dns-1, namespace: default, labels: {kubernetes.io/service-name: dns}}
        addressType: IPv4
        ports: [{name: dns, protocol: UDP, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        """.formatted(dns.port())));
  }

  /** The Secret every node derives its session-ticket keys from: an Opaque one, as users make it. */
  static String ticketKeys(int generation) {
    byte[] secret = new byte[48];
    new java.util.Random(generation).nextBytes(secret); // test keys; users take /dev/urandom
    return """
        apiVersion: v1
        kind: Secret
        metadata:
          name: ticket-keys
          namespace: default
        type: Opaque
        data:
          ticket-key: %s
        """.formatted(java.util.Base64.getEncoder().encodeToString(secret));
  }

  /** Node i serves on 127.0.0.(i+2); node 0 is the seed. */
  static RunningPassage node(int i, boolean awaitReady) throws Exception {
    RunningPassage n = RunningPassage.kubernetes(api.clientVia(api.port()),
        Fixtures.clusterMember(remoting, i, portBase, 20) + Fixtures.TEST_PACE + """
        passage.tls.session-tickets.secret = "default/ticket-keys"
        """, awaitReady);
    addressOf.put(n, "127.0.0." + (i + 2));
    return n;
  }

  @AfterAll
  static void stop() throws IOException {
    for (RunningPassage n : nodes) n.close();
    if (api != null) api.close();
    if (first != null) first.close();
    if (second != null) second.close();
    if (plain != null) plain.close();
    if (echo != null) echo.close();
    if (reencrypted != null) reencrypted.close();
    if (greeter != null) greeter.close();
    if (dns != null) dns.close();
  }

  /** /passage/status answers the same on every node: the others ask the controller, in pages (of 50). */
  @Test
  void everyNodeAnswersWithTheControllersStatuses() throws Exception {
    RunningPassage holder = nodes.stream().filter(n -> n.node.statuses().controllerHere()).findFirst().orElseThrow();
    RunningPassage other = nodes.stream().filter(n -> !n.node.statuses().controllerHere()).findFirst().orElseThrow();
    assertTrue(other.node.statuses().storedStatuses().isEmpty(), "the premise: another node computes no status of its own");
    // more statuses than one page holds: a Gateway of its own and 120 routes on it
    List<String> docs = new ArrayList<>(List.of(Fixtures.passthroughGateway("pages", 8443)));
    for (int i = 0; i < 120; i++) {
      docs.add(Fixtures.route("page-" + i, "pages", List.of("page-" + i + ".example.com"), List.of(new Fixtures.Backend("first"))));
    }
    api.create(Fixtures.join(docs.toArray(String[]::new)));
    try {
      Await.until(Duration.ofSeconds(30), "every node's /passage/status equals the controller's", () -> {
        String want = holder.get("/passage/status").body();
        if (!want.contains("\"name\" : \"page-119\"") || !want.contains("\"kind\" : \"Gateway\"")) return false;
        for (RunningPassage n : nodes) if (!n.get("/passage/status").body().equals(want)) return false;
        return true;
      });
    } finally {
      for (int i = 0; i < 120; i++) api.client.resources(TLSRoute.class).inNamespace("default").withName("page-" + i).delete();
      api.client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class).inNamespace("default").withName("pages").delete();
    }
  }

  /**
   * A port one node cannot bind (another process holds it there) is reported by the controller,
   * which runs on another node: the listener is Programmed=False, naming that node, until the port
   * is free and the node has bound it on its own.
   */
  @Test
  void aPortOneNodeCannotBindIsReportedByTheControllerWithThatNode() throws Exception {
    RunningPassage blocked = nodes.stream().filter(n -> !n.node.statuses().controllerHere()).findFirst().orElseThrow();
    assertTrue(nodes.stream().anyMatch(n -> n.node.statuses().controllerHere()), "the premise: another node holds the controller");
    String address = addressOf.get(blocked);
    // hold, on that node's address only, every port of the range no listener holds yet: the new Gateway's will be one
    List<java.net.ServerSocket> squatters = new ArrayList<>();
    try {
      for (int p = portBase; p <= portBase + 20; p++) {
        try {
          java.net.ServerSocket s = new java.net.ServerSocket();
          s.bind(new java.net.InetSocketAddress(address, p));
          squatters.add(s);
        } catch (IOException inUse) {
          // a listener of an earlier Gateway
        }
      }
      api.create(Fixtures.passthroughGateway("busy", 8443));
      Await.until(Duration.ofSeconds(30), "the busy Gateway's Service", () -> api.gatewayPort("busy") > 0);
      int port = api.gatewayPort("busy");
      assertTrue(squatters.stream().anyMatch(s -> s.getLocalPort() == port), "the premise: its port is held on " + address);
      String node = blocked.node.system().address().toString();
      Await.until(Duration.ofSeconds(30), "listener Programmed=False naming " + node, () -> {
        var condition = busyListenerProgrammed();
        return condition != null && condition.getStatus().equals("False") && condition.getReason().equals("Pending")
            && condition.getMessage().equals("cannot listen on *:" + port + ": Address already in use (node " + node
                + "); trying again until it can");
      });
      squatters.forEach(s -> {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing
        }
      });
      Await.until(Duration.ofSeconds(30), "Programmed=True once that node has bound it", () -> {
        var condition = busyListenerProgrammed();
        return condition != null && condition.getStatus().equals("True");
      });
      Await.until(Duration.ofSeconds(10), "bound there", () ->
          blocked.node.dataPlane().bindings().values().stream().filter("bound"::equals).count()
              == blocked.node.dataPlane().bindings().size());
    } finally {
      for (java.net.ServerSocket s : squatters) s.close();
      api.client.resource(api.client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class)
          .inNamespace("default").withName("busy").get()).delete();
    }
  }

  private static io.fabric8.kubernetes.api.model.Condition busyListenerProgrammed() {
    var gw = api.client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class).inNamespace("default")
        .withName("busy").get();
    if (gw == null || gw.getStatus() == null || gw.getStatus().getListeners() == null || gw.getStatus().getListeners().isEmpty()) {
      return null;
    }
    return gw.getStatus().getListeners().get(0).getConditions().stream().filter(c -> c.getType().equals("Programmed"))
        .findFirst().orElse(null);
  }

  @Test
  void everyNodeServesTheHttpRouteWithItsRulesIntact() throws Exception {
    Await.until(Duration.ofSeconds(30), "the HTTP Gateway's Service", () -> api.gatewayPort("hgw") > 0);
    int port = api.gatewayPort("hgw");
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    List<RunningPassage> running = new ArrayList<>(nodes);
    assertEquals(3, running.size());
    for (RunningPassage n : running) {
      String address = addressOf.get(n);
      java.util.function.Function<String, java.net.http.HttpResponse<String>> get = env -> {
        try {
          return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + address + ":" + port + "/api/x"))
              .header("Host", "web.example.com").header("X-Env", env).timeout(Duration.ofSeconds(5)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
          return null;
        }
      };
      // the match (path and header) and the filter arrived with the table, on nodes without the controller too
      Await.until(Duration.ofSeconds(30), "the HTTPRoute served on " + address, () -> {
        var r = get.apply("prod");
        return r != null && r.statusCode() == 200 && r.body().contains("header:x-rule=api-prod");
      });
      assertEquals(404, get.apply("dev").statusCode(), "the header match holds on " + address);
    }
  }

  /**
   * Every node serves the ListenerSet's HTTPS listener (its port on the Gateway's Service) with the
   * set's certificate, and opens TLS to the backend as the BackendTLSPolicy asks: the backend sees
   * the policy's SNI on each node's request.
   */
  @Test
  void everyNodeServesAListenerSetListenerAndReencryptsToItsBackend() throws Exception {
    Await.until(Duration.ofSeconds(30), "the set's port on the Gateway's Service", () -> api.gatewayPort("lgw", 443) > 0);
    int port = api.gatewayPort("lgw", 443);
    List<RunningPassage> running = new ArrayList<>(nodes);
    assertEquals(3, running.size());
    javax.net.ssl.SSLParameters sni = new javax.net.ssl.SSLParameters();
    sni.setServerNames(List.of(new javax.net.ssl.SNIHostName("team.example.com")));
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
        .sslContext(TlsClient.trusting(teamCert.certificate())).sslParameters(sni).connectTimeout(Duration.ofSeconds(5)).build();
    for (RunningPassage n : running) {
      String address = addressOf.get(n);
      AtomicReference<String> answer = new AtomicReference<>();
      Await.until(Duration.ofSeconds(30), "served through the set on " + address, () -> {
        try {
          var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://" + address + ":" + port + "/via"))
              .header("Host", "team.example.com").timeout(Duration.ofSeconds(10)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
          answer.set(r.statusCode() + " " + r.body());
          return r.statusCode() == 200;
        } catch (IOException notYet) {
          return false;
        }
      });
      assertTrue(answer.get().contains("backend=reencrypted") && answer.get().contains("sni=abc.example.com"),
          "re-encrypted with the policy's SNI on " + address + ": " + answer.get());
    }
  }

  /**
   * Every node serves the TCP listener (its port on the Gateway's Service): the backend's greeting
   * comes first. The route's TrafficPolicy (maxConcurrent 1) reached every node and counts per
   * node: while a connection is held on one node, a second there is closed, and one to another
   * node is served.
   */
  @Test
  void everyNodeServesATcpRoute() throws Exception {
    Await.until(Duration.ofSeconds(30), "the TCP listener's port on the Gateway's Service", () -> api.gatewayPort("tcpgw", 5432) > 0);
    int port = api.gatewayPort("tcpgw", 5432);
    for (RunningPassage n : new ArrayList<>(nodes)) {
      String address = addressOf.get(n);
      Await.until(Duration.ofSeconds(30), "TCP served on " + address, () -> {
        try (java.net.Socket s = new java.net.Socket()) {
          s.setSoTimeout(5_000);
          s.connect(new java.net.InetSocketAddress(address, port), 5_000);
          var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
          if (!"220 greeter ready".equals(in.readLine())) return false;
          s.getOutputStream().write(("via " + address + "\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
          return ("plain:via " + address).equals(in.readLine());
        } catch (IOException notYet) {
          return false;
        }
      });
    }
    List<RunningPassage> all = new ArrayList<>(nodes);
    for (int i = 0; i < all.size(); i++) {
      String here = addressOf.get(all.get(i));
      String other = addressOf.get(all.get((i + 1) % all.size()));
      java.net.Socket[] holding = new java.net.Socket[1];
      // the earlier connections' places are given back as Passage sees them close: a moment after the client
      Await.until(Duration.ofSeconds(30), "the one connection the limit allows on " + here, () -> {
        java.net.Socket s = tcpClient(here, port);
        if ("220 greeter ready".equals(line(s))) {
          holding[0] = s;
          return true;
        }
        s.close();
        return false;
      });
      try (java.net.Socket held = holding[0]) {
        Await.until(Duration.ofSeconds(30), "a second connection on " + here + " closed by the policy's limit", () -> {
          try (java.net.Socket second = tcpClient(here, port)) {
            return line(second) == null; // FIN, nothing sent
          } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
          } catch (IOException reset) {
            return true;
          }
        });
        try (java.net.Socket elsewhere = tcpClient(other, port)) {
          assertEquals("220 greeter ready", line(elsewhere), "another node counts its own: " + other);
        }
      }
    }
  }

  static java.net.Socket tcpClient(String address, int port) throws IOException {
    java.net.Socket s = new java.net.Socket();
    s.setSoTimeout(5_000);
    s.connect(new java.net.InetSocketAddress(address, port), 5_000);
    return s;
  }

  static String line(java.net.Socket s) throws IOException {
    return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
        java.nio.charset.StandardCharsets.ISO_8859_1)).readLine();
  }

  /** Every node relays the UDP listener's datagrams; the Gateway's Service carries the port as UDP. */
  @Test
  void everyNodeServesAUdpRoute() throws Exception {
    Await.until(Duration.ofSeconds(30), "the UDP listener's port on the Gateway's Service", () -> api.gatewayPort("tcpgw", 5353) > 0);
    Service svc = api.client.services().inNamespace("default").withName("passage-tcpgw").get();
    assertTrue(svc.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == 5353 && "UDP".equals(p.getProtocol())),
        "a UDP Service port: " + svc.getSpec().getPorts());
    int port = api.gatewayPort("tcpgw", 5353);
    for (RunningPassage n : new ArrayList<>(nodes)) {
      String address = addressOf.get(n);
      Await.until(Duration.ofSeconds(30), "UDP relayed on " + address, () -> {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(new java.net.InetSocketAddress(address, 0))) {
          s.setSoTimeout(1_000);
          byte[] q = ("query via " + address).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
          s.send(new java.net.DatagramPacket(q, q.length, new java.net.InetSocketAddress(address, port)));
          byte[] buf = new byte[512];
          java.net.DatagramPacket in = new java.net.DatagramPacket(buf, buf.length);
          s.receive(in);
          return ("dns:query via " + address).equals(new String(buf, 0, in.getLength(), java.nio.charset.StandardCharsets.ISO_8859_1));
        } catch (IOException notYet) {
          return false;
        }
      });
    }
  }

  @Test
  void everyNodeTerminatesTlsWithTheListenersCertificateFromTheApiServer() throws Exception {
    Await.until(Duration.ofSeconds(30), "the terminating Gateway's Service", () -> api.gatewayPort("tgw") > 0);
    int port = api.gatewayPort("tgw");
    List<RunningPassage> running = new ArrayList<>(nodes);
    assertEquals(3, running.size());
    for (RunningPassage n : running) {
      String address = addressOf.get(n);
      Await.until(Duration.ofSeconds(30), "terminated on " + address, () -> {
        try (javax.net.ssl.SSLSocket tls = TlsClient.connectTrusting(address, port, secure.certificate(),
            "secure.example.com")) {
          return TlsClient.exchangeLine(tls, "via " + address).equals("plain:via " + address);
        } catch (IOException notYet) {
          return false;
        }
      });
    }
    assertTrue(plain.firstBytes().stream().allMatch(b -> b[0] != 0x16), "the backend never received a TLS record");

    // what travels between nodes (every entry of the table, serialized as Artery sends it) names the Secret, never its key
    RunningPassage any = running.get(0);
    var serialization = org.apache.pekko.serialization.SerializationExtension.get(any.node.system().classicSystem());
    var tables = dev.passage.table.TableBuilder.entries(any.node.table().get());
    byte[] der = java.util.Base64.getMimeDecoder().decode(secure.key()
        .replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "").trim());
    String keyBody = secure.key().split("\n")[1];
    boolean named = false;
    for (var table : tables) {
      byte[] bytes = serialization.serialize(table).get();
      String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
      named |= text.contains("secure-cert");
      assertTrue(!text.contains("PRIVATE KEY") && !text.contains(keyBody), "no PEM key in the replicated table");
      assertTrue(indexOf(bytes, java.util.Arrays.copyOfRange(der, der.length - 32, der.length)) < 0, "no key bytes either");
    }
    assertTrue(named, "the premise: the replicated table names the Secret");
  }

  /**
   * Session tickets: every node derives the same keys from the Secret it reads itself, so a
   * client resumes on a node other than the one that gave it its ticket; a rotation leaves the
   * previous key decrypting, and the one before that no more.
   */
  @Test
  void aClientResumesItsSessionOnAnotherNodeAndRotationKeepsThePreviousKey() throws Exception {
    Await.until(Duration.ofSeconds(30), "the terminating Gateway's Service", () -> api.gatewayPort("tgw") > 0);
    int port = api.gatewayPort("tgw");
    List<RunningPassage> running = new ArrayList<>(nodes);
    RunningPassage a = running.get(0), b = running.get(1);
    String first = awaitTicketKey(running, null);
    for (RunningPassage n : running) {
      String address = addressOf.get(n);
      Await.until(Duration.ofSeconds(30), "terminated on " + address, () -> {
        try (javax.net.ssl.SSLSocket tls = TlsClient.connectTrusting(address, port, secure.certificate(), "secure.example.com")) {
          return TlsClient.exchangeLine(tls, "up").equals("plain:up");
        } catch (IOException notYet) {
          return false;
        }
      });
    }
    // two clients (each its own session cache) take a ticket from node a
    javax.net.ssl.SSLContext one = TlsClient.trusting(secure.certificate()), two = TlsClient.trusting(secure.certificate());
    assertEquals("full", handshake(a, one, port), "a new client's first handshake");
    assertEquals("full", handshake(a, two, port), "a new client's first handshake");
    // the premise: b has not seen these clients, so a resumption there used a's ticket
    assertEquals("resumed", handshake(b, one, port), "resumed on another node with the ticket node a gave");

    rotate(2);
    String second = awaitTicketKey(running, first);
    assertEquals("resumed", handshake(b, two, port), "a ticket of the previous key still resumes after one rotation");

    javax.net.ssl.SSLContext three = TlsClient.trusting(secure.certificate());
    assertEquals("full", handshake(a, three, port));
    rotate(3);
    String third = awaitTicketKey(running, second);
    rotate(4);
    awaitTicketKey(running, third);
    assertEquals("full", handshake(b, three, port), "a ticket two rotations old is not decrypted");
  }

  /** Writes the ticket Secret's key as generation g, as a user rotating it would. */
  static void rotate(int generation) throws Exception {
    String data = ticketKeys(generation).split("ticket-key: ")[1].trim();
    api.edit(io.fabric8.kubernetes.api.model.Secret.class, "default", "ticket-keys", s -> {
      s.setData(new java.util.HashMap<>(java.util.Map.of("ticket-key", data)));
      return s;
    });
  }

  /** Waits until every node encrypts tickets with one key other than notThis; returns its id. */
  static String awaitTicketKey(List<RunningPassage> running, String notThis) throws Exception {
    java.util.regex.Pattern id = java.util.regex.Pattern.compile("\"sessionTickets\"\\s*:\\s*\"key ([0-9a-f]{16}) from Secret default/ticket-keys");
    String[] agreed = new String[1];
    Await.until(Duration.ofSeconds(30), "every node encrypts tickets with the Secret's key", () -> {
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (RunningPassage n : running) {
        java.util.regex.Matcher m = id.matcher(n.get("/passage/routes").body());
        ids.add(m.find() ? m.group(1) : "none");
      }
      agreed[0] = ids.iterator().next();
      return ids.size() == 1 && !ids.contains("none") && !agreed[0].equals(notThis);
    });
    return agreed[0];
  }

  /** One connection through node n's Terminate listener: "full" or "resumed", as node n counted it. */
  static String handshake(RunningPassage n, javax.net.ssl.SSLContext client, int port) throws Exception {
    // counted when the handshake finishes; no other client makes one while a test runs
    double full = handshakes(n, "false"), resumed = handshakes(n, "true");
    try (javax.net.ssl.SSLSocket tls = TlsClient.connect(client, addressOf.get(n), port, "secure.example.com")) {
      assertEquals("plain:ticket", TlsClient.exchangeLine(tls, "ticket")); // the ticket comes with the answer
    }
    Await.until(Duration.ofSeconds(10), "the handshake counted", () -> handshakes(n, "false") + handshakes(n, "true") > full + resumed);
    assertEquals(full + resumed + 1, handshakes(n, "false") + handshakes(n, "true"), "one handshake, this client's");
    return handshakes(n, "true") > resumed ? "resumed" : "full";
  }

  static double handshakes(RunningPassage n, String resumed) throws Exception {
    return dev.passage.testkit.Scrape.of(n).sum("passage_tls_handshakes_total", java.util.Map.of("resumed", resumed));
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
      return i;
    }
    return -1;
  }

  static int gatewayPort() {
    return api.gatewayPort("gw");
  }

  static String reach(String address, String sni) throws IOException {
    try (TlsClient c = TlsClient.connect(address, gatewayPort(), sni, WireSocket.Shape.AS_IS, List.of())) {
      return c.greeting.split(" ")[2];
    }
  }

  @Test
  void everyNodeServesTheRouteAndKeepsServingWhileTheControllerMoves() throws Exception {
    Await.until(Duration.ofSeconds(30), "the Gateway's Service", () -> gatewayPort() > 0);
    for (String address : List.of("127.0.0.2", "127.0.0.3", "127.0.0.4")) {
      Await.until(Duration.ofSeconds(30), "served on " + address, () -> reach(address, "app.example.com").equals("first"));
    }
    // a node that joins late is ready only once it holds the current tables: it serves at once
    RunningPassage late = node(3, true);
    nodes.add(late);
    assertEquals("first", reach("127.0.0.5", "app.example.com"), "served by the late node as soon as it is ready");

    // the oldest node holds the singleton: the first one started
    RunningPassage controllerNode = nodes.get(0);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger served = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread traffic = new Thread(() -> {
      while (!stop.get()) {
        for (String address : List.of("127.0.0.3", "127.0.0.4")) {
          try {
            String who = reach(address, "app.example.com");
            if (!who.equals("first") && !who.equals("second")) throw new AssertionError("reached " + who);
            served.incrementAndGet();
          } catch (Throwable t) {
            failure.compareAndSet(null, new AssertionError("connection to " + address + " failed", t));
          }
        }
      }
    }, "traffic");
    traffic.start();
    try {
      controllerNode.close();
      nodes.remove(0);
      Await.until(Duration.ofSeconds(30), "the controller runs again on a remaining node",
          () -> nodes.stream().anyMatch(n -> !n.node.statuses().statuses().isEmpty()));
      api.edit(TLSRoute.class, "default", "app", r -> {
        r.getSpec().getRules().get(0).getBackendRefs().get(0).setName("second");
        return r;
      });
      for (String address : List.of("127.0.0.3", "127.0.0.4")) {
        Await.until(Duration.ofSeconds(30), "the change reaches " + address,
            () -> reach(address, "app.example.com").equals("second"));
      }
    } finally {
      stop.set(true);
      traffic.join();
    }
    if (failure.get() != null) throw new AssertionError(failure.get());
    assertTrue(served.get() > 20, "connections served while the controller moved: " + served.get());
    assertEquals(3, nodes.size());
  }
}
