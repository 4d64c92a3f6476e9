package dev.passage.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.passage.PassageNode;
import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The StatefulSet's way of forming the cluster, without a seed-node list: three Passage nodes,
 * each on its own loopback address (127.0.0.2-4, as pod IPs), find each other's pods through the
 * Kubernetes API (the mock server, over HTTPS, at the address the env vars name, see pom.xml) and
 * Pekko Cluster Bootstrap forms one cluster.
 */
class BootstrapTest {
  static final int API_PORT = 46043; // fixed: surefire sets PASSAGE_TEST_API_PORT to it
  @TempDir
  static Path dir;
  static MockApiServer api;
  static final List<PassageNode> nodes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    api = new MockApiServer(API_PORT);
    Path ca = dir.resolve("ca.crt");
    Files.writeString(ca, api.certificatePem());
    Path token = dir.resolve("token");
    Files.writeString(token, "test-token");
    Path resources = Files.createDirectories(dir.resolve("resources"));
    int management = Fixtures.freePort();
    int remoting = Fixtures.freePort();
    for (int i = 2; i <= 4; i++) {
      api.client.resource(new PodBuilder().withNewMetadata().withName("passage-" + (i - 2)).withNamespace("passage-system")
          .addToLabels("app.kubernetes.io/name", "passage").endMetadata()
          .withNewSpec().addNewContainer().withName("passage").addNewPort().withName("management").withContainerPort(management)
          .endPort().endContainer().endSpec()
          .withNewStatus().withPhase("Running").withPodIP("127.0.0." + i).endStatus().build()).create();
    }
    for (int i = 2; i <= 4; i++) {
      var config = ConfigFactory.parseString(dev.passage.boot.ContactPoints.SETTING + " = 3")
          .withFallback(bootstrapConfig(i, remoting, management, "passage-system"));
      nodes.add(PassageNode.standalone(config, resources));
    }
  }

  /** The bootstrap settings of a node on 127.0.0.i whose pods are those of this namespace. */
  static com.typesafe.config.Config bootstrapConfig(int i, int remoting, int management, String namespace) {
    return ConfigFactory.parseString("""
        passage.cluster.join = bootstrap
        pekko.remote.artery.canonical { hostname = "127.0.0.%1$d", port = %2$d }
        pekko.management.http { hostname = "127.0.0.%1$d", port = %3$d }
        pekko.management.cluster.bootstrap.contact-point-discovery { stable-margin = 1s, interval = 500ms }
        pekko.discovery.kubernetes-api {
          api-ca-path = "%4$s"
          api-token-path = "%5$s"
          api-service-host-env-name = "PASSAGE_TEST_API_HOST"
          api-service-port-env-name = "PASSAGE_TEST_API_PORT"
          pod-namespace = "%6$s"
          use-raw-ip = true
        }
        passage.standalone.bind-address = "127.0.0.%1$d"
        """.formatted(i, remoting, management, dir.resolve("ca.crt"), dir.resolve("token"), namespace))
        .withFallback(ConfigFactory.load()).resolve();
  }

  @AfterAll
  static void stop() {
    for (PassageNode n : nodes) n.close();
    if (api != null) api.close();
  }

  @Test
  void threeNodesFindEachOtherThroughTheKubernetesApiAndFormOneCluster() throws Exception {
    Await.until(Duration.ofSeconds(60), "one cluster of three Up members", () -> nodes.stream().allMatch(n -> {
      int up = 0;
      for (Member m : Cluster.get(n.system()).state().getMembers()) if (m.status() == MemberStatus.up()) up++;
      return up == 3;
    }));
    Set<String> addresses = new HashSet<>();
    for (Member m : Cluster.get(nodes.get(0).system()).state().getMembers()) addresses.add(m.address().host().get());
    assertEquals(Set.of("127.0.0.2", "127.0.0.3", "127.0.0.4"), addresses);
  }

  /**
   * One replica works: the StatefulSet's replica count, not a number in the manifest, is how many
   * pods a new cluster waits for, so a StatefulSet scaled to 1 forms a cluster of one.
   */
  @Test
  void aStatefulSetOfOneReplicaFormsAClusterOfOne() throws Exception {
    String ns = "passage-single";
    int management = Fixtures.freePort();
    api.client.resource(new PodBuilder().withNewMetadata().withName("passage-0").withNamespace(ns)
        .addToLabels("app.kubernetes.io/name", "passage").endMetadata()
        .withNewSpec().addNewContainer().withName("passage").addNewPort().withName("management").withContainerPort(management)
        .endPort().endContainer().endSpec()
        .withNewStatus().withPhase("Running").withPodIP("127.0.0.5").endStatus().build()).create();
    api.client.resource(new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder().withNewMetadata().withName("passage")
        .withNamespace(ns).endMetadata().withNewSpec().withReplicas(1).endSpec().build()).create();
    var config = dev.passage.boot.ContactPoints.fromReplicas(ConfigFactory.parseString(
            "passage.cluster.statefulset = passage\npassage.cluster.namespace = " + ns)
        .withFallback(bootstrapConfig(5, Fixtures.freePort(), management, ns)), api.client);
    assertEquals(1, config.getInt(dev.passage.boot.ContactPoints.SETTING), "the premise: the replica count was read");
    assertEquals(3, ConfigFactory.load().getInt(dev.passage.boot.ContactPoints.SETTING), "and it is not the default");
    PassageNode single = PassageNode.standalone(config, Files.createDirectories(dir.resolve("single")));
    nodes.add(single);
    Await.until(Duration.ofSeconds(60), "a cluster of one Up member", () -> {
      var members = Cluster.get(single.system()).state().getMembers();
      int up = 0;
      int all = 0;
      for (Member m : members) {
        all++;
        if (m.status() == MemberStatus.up()) up++;
      }
      return up == 1 && all == 1;
    });
  }
}
