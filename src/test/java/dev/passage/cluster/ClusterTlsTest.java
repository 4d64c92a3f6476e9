package dev.passage.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Passage nodes whose cluster traffic is mutual TLS, as the Kustomize base sets it
 * (tls-tcp, Passage's RemotingTls over Pekko's rotating-keys engine), with the certificates
 * k8s/remoting-tls/make-secret.sh makes with openssl: they form a cluster, replicate the tables
 * and serve; a fourth node whose certificate another CA signed, and a fifth without TLS, never
 * become members while the three keep serving, and the members count and log the refusals; a
 * certificate renewed on one node is read again (its expiry metric moves) and the cluster goes
 * on replicating.
 */
class ClusterTlsTest {
  @TempDir
  static Path dir;
  static MockApiServer api;
  static TlsBackend backend;
  static int portBase;
  static int[] remoting;
  static final List<RunningPassage> nodes = new ArrayList<>();

  /** k8s/remoting-tls/make-secret.sh DIR DAYS: tls.key, tls.crt, ca.crt (and the CA's key, kept in DIR). */
  static void makeSecret(Path into, int days) throws Exception {
    Process p = new ProcessBuilder("bash", "k8s/remoting-tls/make-secret.sh", into.toString(), String.valueOf(days))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "make-secret.sh ran");
    assertEquals(0, p.exitValue(), "make-secret.sh: " + out);
    assertTrue(out.contains("kubectl -n passage-system create secret generic passage-remoting-tls"), out);
  }

  /** A node's own mount point: a copy of the three files, as each pod mounts the Secret. */
  static Path mount(Path from, String name) throws IOException {
    Path m = Files.createDirectories(dir.resolve(name));
    for (String f : List.of("tls.key", "tls.crt", "ca.crt")) Files.copy(from.resolve(f), m.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    return m;
  }

  static RunningPassage node(int i, Path mountPoint, boolean tls) throws Exception {
    return node(i, mountPoint, tls, api);
  }

  /** from: the API server this node watches (a stranger gets one of its own, see below). */
  static RunningPassage node(int i, Path mountPoint, boolean tls, MockApiServer from) throws Exception {
    String transport = tls ? Fixtures.remotingTls(mountPoint) + """
        pekko.remote.artery.ssl.rotating-keys-engine.ssl-context-cache-ttl = 1s
        passage.proxy.log-summary-interval = 1s
        """ : "";
    return RunningPassage.kubernetes(from.clientVia(from.port()),
        Fixtures.clusterMember(remoting, i, portBase, 20) + Fixtures.TEST_PACE + transport, false);
  }

  static int up(RunningPassage n) {
    int up = 0;
    for (var m : Cluster.get(n.node.system()).state().getMembers()) if (m.status() == MemberStatus.up()) up++;
    return up;
  }

  @BeforeAll
  static void start() throws Exception {
    api = new MockApiServer();
    backend = new TlsBackend("tls-cluster", "app.example.com");
    portBase = Fixtures.freePortRange(21);
    remoting = new int[] {Fixtures.freePort(), Fixtures.freePort(), Fixtures.freePort(), Fixtures.freePort(), Fixtures.freePort()};
    makeSecret(dir.resolve("ca-a"), 30);
    for (int i = 0; i < 3; i++) nodes.add(node(i, mount(dir.resolve("ca-a"), "node-" + i), true));
    // every node's own view: the first to see three Up may be ahead of the others (convergence)
    Await.until(Duration.ofSeconds(45), "three members Up over mutual TLS, as every node sees it",
        () -> nodes.stream().allMatch(n -> up(n) == 3));
    api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", 443),
        Fixtures.service("default", "app", backend.port()),
        Fixtures.route("app", "gw", List.of("app.example.com"), List.of(new Fixtures.Backend("app")))));
  }

  @AfterAll
  static void stop() throws IOException {
    for (RunningPassage n : nodes) n.close();
    if (api != null) api.close();
    if (backend != null) backend.close();
  }

  /** Every node serves the route the controller judged on one of them: the tables crossed the TLS links. */
  static void everyNodeServes(String route) throws Exception {
    Await.until(Duration.ofSeconds(30), "the Gateway's Service", () -> api.gatewayPort("gw") > 0);
    int port = api.gatewayPort("gw");
    for (int i = 0; i < 3; i++) {
      String address = "127.0.0." + (2 + i);
      Await.until(Duration.ofSeconds(30), route + " served on " + address, () -> {
        try (TlsClient c = TlsClient.connect(address, port, route, dev.passage.testkit.WireSocket.Shape.AS_IS, List.of())) {
          return c.greeting.startsWith("hello from tls-cluster");
        } catch (IOException notYet) {
          return false;
        }
      });
    }
  }

  @Test
  void strangersNeverJoinWhileTheMembersServeAndACertificateIsRenewedInPlace() throws Exception {
    everyNodeServes("app.example.com");

    // a node without TLS, then one with another CA's certificate, try to join: each is refused and counted by the members
    for (String stranger : List.of("plain", "other CA")) {
      long before = refusals();
      // its own API server: closing a node closes its watches, and the mock server's event loop
      // blocks on each closed watch for a while, which would stall the members' server
      MockApiServer own = new MockApiServer();
      RunningPassage n = stranger.equals("plain") ? node(4, null, false, own) : node(3, otherCa(), true, own);
      try {
        Await.until(Duration.ofSeconds(30), "the members refused the " + stranger + " node (counted)", () -> refusals() > before);
        assertTrue(Cluster.get(n.node.system()).selfMember().status() != MemberStatus.up(), "the " + stranger + " node is no member");
        for (RunningPassage m : nodes) assertEquals(3, up(m), "three members, as before");
        everyNodeServes("app.example.com");
      } finally {
        n.close();
        own.close();
      }
    }
    String metrics = nodes.get(0).get("/metrics").body() + nodes.get(1).get("/metrics").body() + nodes.get(2).get("/metrics").body();
    assertTrue(metrics.contains("passage_cluster_tls_refusals_total{direction=\"inbound\"}"), "the refusals' metric");

    // node 1's certificate renewed in place (the same CA, a longer validity): read again within the cache's 1 s
    Path node1 = dir.resolve("node-1");
    double before = expiry(nodes.get(1));
    makeSecret(dir.resolve("ca-a"), 90);
    mount(dir.resolve("ca-a"), "node-1");
    // the 30-day certificate is within 60 days of its expiry, not within 14 (the WARN's default horizon)
    assertTrue(RemotingRefusals.get(nodes.get(1).node.system()).expiresWithin(Duration.ofDays(60)));
    assertTrue(!RemotingRefusals.get(nodes.get(1).node.system()).expiresWithin(Duration.ofDays(14)));
    Await.until(Duration.ofSeconds(20), "node 1 reads its renewed certificate", () -> expiry(nodes.get(1)) > before + 50 * 86_400);
    assertTrue(!RemotingRefusals.get(nodes.get(1).node.system()).expiresWithin(Duration.ofDays(60)), "renewed: 90 days");
    assertTrue(Files.exists(node1.resolve("tls.crt")));
    // the cluster goes on: a route added now is served by every node
    api.create(Fixtures.join(Fixtures.route("later", "gw", List.of("later.example.com"), List.of(new Fixtures.Backend("app")))));
    everyNodeServes("later.example.com");
    for (RunningPassage n : nodes) assertEquals(3, up(n));
  }

  static Path otherCa() throws Exception {
    makeSecret(dir.resolve("ca-b"), 30);
    return mount(dir.resolve("ca-b"), "stranger");
  }

  /** Peers the three members refused, inbound (what strangers sent them). */
  static long refusals() {
    long n = 0;
    for (RunningPassage node : nodes) n += RemotingRefusals.get(node.node.system()).inboundRefusals();
    return n;
  }

  static double expiry(RunningPassage n) throws Exception {
    for (String line : n.get("/metrics").body().split("\n")) {
      if (line.startsWith("passage_cluster_certificate_expiry_seconds ")) return Double.parseDouble(line.split(" ")[1]);
    }
    return 0;
  }
}
