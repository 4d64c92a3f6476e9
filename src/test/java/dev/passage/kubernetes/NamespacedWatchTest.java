package dev.passage.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * passage.kubernetes.namespaces confines what Passage reads (and so what RBAC must grant): with
 * [default], the Gateway in default is served (its Service made, its status written) and the one
 * in team-b is not seen at all; and no request for a namespaced kind goes beyond the namespaces
 * named (Secrets above all), only GatewayClasses and Namespaces are read cluster-wide.
 */
class NamespacedWatchTest {
  @Test
  void onlyTheNamedNamespacesAreRead() throws Exception {
    int portBase = Fixtures.freePortRange(21);
    List<String> asked;
    try (MockApiServer api = new MockApiServer()) {
      api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", 443),
          Fixtures.passthroughGateway("gw", 443).replace("namespace: default", "namespace: team-b"),
          dev.passage.testkit.Certificates.selfSignedPem("a.example.com").secret("default", "cert")));
      try (RunningPassage passage = RunningPassage.kubernetes(api.clientVia(api.port()),
          Fixtures.kubernetesOnLoopback(portBase) + "passage.kubernetes.namespaces = [default]\n")) {
        Await.until(Duration.ofSeconds(30), "default's Gateway served: its Service", () -> api.gatewayPort("gw") > 0);
        Await.until(Duration.ofSeconds(30), "and its status", () -> passage.get("/passage/status").body().contains("\"gw\""));
        asked = api.requests(); // what Passage asked (the test's own reads of team-b come after)
        String status = passage.get("/passage/status").body();
        assertTrue(!status.contains("team-b"), "team-b is not read: " + status);
        assertNull(api.client.services().inNamespace("team-b").withName("passage-gw").get(), "no Service for team-b's Gateway");
        var gw2 = api.client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class).inNamespace("team-b")
            .withName("gw").get();
        assertTrue(gw2.getStatus() == null || gw2.getStatus().getConditions() == null || gw2.getStatus().getConditions().isEmpty(),
            "no status written on team-b's Gateway");
      }
      // what was asked: lists and watches of a namespaced kind all name a namespace (cluster-wide: only the
      // cluster-scoped GatewayClasses and Namespaces)
      List<String> clusterWide = asked.stream()
          .filter(r -> r.matches("GET /(api/v1|apis/[^/]+/[^/]+)/[a-z]+(\\?.*)?"))
          .filter(r -> !r.matches("GET /api/v1/namespaces(\\?.*)?") && !r.matches("GET /apis/[^/]+/[^/]+/gatewayclasses(\\?.*)?"))
          .toList();
      assertEquals(List.of(), clusterWide, "cluster-wide lists or watches of namespaced kinds");
      assertTrue(asked.stream().anyMatch(r -> r.startsWith("GET /api/v1/namespaces/default/secrets")),
          "the premise: Secrets were read, in default");
      assertTrue(asked.stream().noneMatch(r -> r.startsWith("GET") && r.contains("/namespaces/team-b/")),
          "nothing of team-b was asked");
    }
  }
}
