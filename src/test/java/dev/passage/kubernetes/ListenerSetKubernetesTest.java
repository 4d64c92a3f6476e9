package dev.passage.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSet;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes mode, ListenerSet: the Gateway, its ListenerSet and a TLSRoute attached to the set
 * come from the API server (fabric8's mock, CRUD mode). Passage adds the set's listener port to the
 * Gateway's Service, serves it, and writes the statuses through the status subresources: the
 * set's Accepted/Programmed and listeners[] (attachedRoutes), the Gateway's attachedListenerSets,
 * the route's parent entry of kind ListenerSet. When the Gateway stops admitting ListenerSets
 * the set is NotAllowed on the API server, its port leaves the Service, and it is not served.
 */
class ListenerSetKubernetesTest {
  static final String OBJECTS = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: platform, namespace: default}
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
        parentRef: {name: platform}
        listeners:
        - name: pass
          protocol: TLS
          port: 443
          hostname: pass.example.com
          tls: {mode: Passthrough}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: TLSRoute
      metadata: {name: pass, namespace: default}
      spec:
        parentRefs: [{group: gateway.networking.k8s.io, kind: ListenerSet, name: team}]
        hostnames: [pass.example.com]
        rules: [{backendRefs: [{name: pass, port: 8443}]}]
      """;

  static boolean has(List<Condition> conditions, String type, String status, String reason) {
    return conditions != null && conditions.stream()
        .anyMatch(c -> c.getType().equals(type) && c.getStatus().equals(status) && c.getReason().equals(reason));
  }

  static ListenerSet set(MockApiServer api) {
    return api.client.resources(ListenerSet.class).inNamespace("default").withName("team").get();
  }

  static boolean served(int port) {
    try (TlsClient c = TlsClient.connect(port, "pass.example.com")) {
      return "hello from pass sni=pass.example.com".equals(c.greeting);
    } catch (IOException refused) {
      return false;
    }
  }

  @Test
  void theSetFromTheApiServerIsServedAndReportedThere() throws Exception {
    int portBase = Fixtures.freePortRange(21);
    try (MockApiServer api = new MockApiServer(); TlsBackend backend = new TlsBackend("pass", "pass.example.com")) {
      api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, OBJECTS, Fixtures.service("default", "pass", backend.port())));
      try (RunningPassage passage = RunningPassage.kubernetes(api.clientVia(api.port()), Fixtures.kubernetesOnLoopback(portBase))) {
        Await.until(Duration.ofSeconds(30), "the set's port on the Gateway's Service", () -> api.gatewayPort("platform", 443) > 0);
        int port = api.gatewayPort("platform", 443);
        Await.until(Duration.ofSeconds(30), "served through the set's listener", () -> served(port));

        Await.until(Duration.ofSeconds(20), "the set Accepted and Programmed on the API server", () -> {
          ListenerSet s = set(api);
          return s.getStatus() != null && has(s.getStatus().getConditions(), "Accepted", "True", "Accepted")
              && has(s.getStatus().getConditions(), "Programmed", "True", "Programmed")
              && s.getStatus().getListeners() != null && s.getStatus().getListeners().size() == 1
              && s.getStatus().getListeners().get(0).getAttachedRoutes() == 1;
        });
        Await.until(Duration.ofSeconds(20), "the Gateway counts it", () -> {
          Gateway g = api.client.resources(Gateway.class).inNamespace("default").withName("platform").get();
          return g.getStatus() != null && Integer.valueOf(1).equals(g.getStatus().getAttachedListenerSets());
        });
        Await.until(Duration.ofSeconds(20), "the route's parent entry names the ListenerSet", () -> {
          TLSRoute r = api.client.resources(TLSRoute.class).inNamespace("default").withName("pass").get();
          return r.getStatus() != null && r.getStatus().getParents() != null && r.getStatus().getParents().stream()
              .anyMatch(p -> "ListenerSet".equals(p.getParentRef().getKind()) && "team".equals(p.getParentRef().getName())
                  && has(p.getConditions(), "Accepted", "True", "Accepted"));
        });

        api.client.resources(Gateway.class).inNamespace("default").withName("platform").edit(g -> {
          g.getSpec().getAllowedListeners().getNamespaces().setFrom("None");
          return g;
        });
        Await.until(Duration.ofSeconds(20), "NotAllowed on the API server", () -> {
          ListenerSet s = set(api);
          return has(s.getStatus().getConditions(), "Accepted", "False", "NotAllowed")
              && has(s.getStatus().getConditions(), "Programmed", "False", "NotAllowed");
        });
        Await.until(Duration.ofSeconds(20), "the set's port left the Service", () -> api.gatewayPort("platform", 443) == -1);
        // the port was the set's alone: it is closed (a refused connect; served() is false on it)
        Await.until(Duration.ofSeconds(20), "not served", () -> !served(port));
        assertTrue(api.gatewayPort("platform", 80) > 0, "the Gateway's own listener keeps its port");
        Gateway g = api.client.resources(Gateway.class).inNamespace("default").withName("platform").get();
        assertEquals(null, g.getStatus().getAttachedListenerSets(),
            "a Gateway that admits no ListenerSet leaves attachedListenerSets out");
      }
    }
  }
}
