package dev.passage.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TcpRelay;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Kubernetes mode against fabric8's mock API server in CRUD mode, over real HTTPS, through a
 * relay the test can cut. The cluster serves TLSRoute only as v1alpha2 (the tutorial's version),
 * ReferenceGrant only as v1beta1, and HTTPRoute not at all at first. The tests run in order: they share one Gateway.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesModeTest {
  static final String CONTROLLER = "passage.dev/gateway-controller";
  static MockApiServer api;
  static TcpRelay relay;
  static RunningPassage passage;
  static TlsBackend apiBackend, altBackend, crossBackend;
  static int portBase;

  @BeforeAll
  static void start() throws Exception {
    api = new MockApiServer();
    api.stopServing("gateway.networking.k8s.io/v1/tlsroutes");
    api.stopServing("gateway.networking.k8s.io/v1alpha3/tlsroutes");
    api.stopServing("gateway.networking.k8s.io/v1/httproutes");
    api.stopServing("gateway.networking.k8s.io/v1beta1/httproutes");
    // like a cluster with Gateway API 1.4: ReferenceGrant served as v1beta1 only
    api.stopServing("gateway.networking.k8s.io/v1/referencegrants");
    relay = new TcpRelay(api.port());
    apiBackend = new TlsBackend("api", "api.example.com");
    altBackend = new TlsBackend("alt", "api.example.com");
    crossBackend = new TlsBackend("cross", "backend.example.com");
    portBase = Fixtures.freePortRange(41);
    api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: tls-passthrough-gateway
          namespace: default
        spec:
          gatewayClassName: passage
          listeners:
          - name: tls-passthrough
            protocol: TLS
            port: 443
            tls:
              mode: Passthrough
            allowedRoutes:
              namespaces:
                from: All
              kinds:
              - kind: TLSRoute
        """,
        Fixtures.service("default", "api-service", apiBackend.port()),
        Fixtures.service("default", "alt-service", altBackend.port()),
        Fixtures.service("backend-namespace", "backend-service", crossBackend.port()),
        route("api-tls-route", "api.example.com", "api-service", null)));
    passage = RunningPassage.kubernetes(api.clientVia(relay.port()), """
        passage.kubernetes.bind-address = "127.0.0.1"
        passage.kubernetes.port-range-start = %d
        passage.kubernetes.port-range-end = %d
        passage.kubernetes.missing-kind-retry = 1s
        passage.kubernetes.status-writes-per-second = 200
        passage.kubernetes.batch-window = 20ms
        """.formatted(portBase, portBase + 40));
  }

  @AfterAll
  static void stop() throws IOException {
    if (passage != null) passage.close();
    if (api != null) api.close();
    if (relay != null) relay.close();
    for (TlsBackend b : new TlsBackend[] {apiBackend, altBackend, crossBackend}) if (b != null) b.close();
  }

  /** The tutorial's route shape, in v1alpha2 (the version this cluster serves). */
  static String route(String name, String hostname, String service, String serviceNamespace) {
    return Fixtures.route("v1alpha2", name, "tls-passthrough-gateway", List.of(hostname),
        List.of(new Fixtures.Backend(service, serviceNamespace, 1)));
  }

  static TLSRoute getRoute(String name) {
    return api.client.resources(TLSRoute.class).inNamespace("default").withName(name).get();
  }

  static Optional<RouteParentStatus> ourParent(String route) {
    TLSRoute r = getRoute(route);
    if (r == null || r.getStatus() == null || r.getStatus().getParents() == null) return Optional.empty();
    return r.getStatus().getParents().stream().filter(p -> CONTROLLER.equals(p.getControllerName())).findFirst();
  }

  static Optional<Condition> condition(List<Condition> conditions, String type) {
    return conditions == null ? Optional.empty() : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static boolean routeCondition(String route, String type, String status, String reason) {
    return ourParent(route).flatMap(p -> condition(p.getConditions(), type))
        .map(c -> status.equals(c.getStatus()) && reason.equals(c.getReason())).orElse(false);
  }

  static Gateway gateway() {
    return api.client.resources(Gateway.class).inNamespace("default").withName("tls-passthrough-gateway").get();
  }

  /** The port Passage allocated to the Gateway's listener port 443, from its Service. */
  static int gatewayPort() {
    Service svc = api.client.services().inNamespace("default").withName("passage-tls-passthrough-gateway").get();
    assertNotNull(svc, "the Gateway's Service");
    return svc.getSpec().getPorts().stream().filter(p -> p.getPort() == 443).findFirst().orElseThrow()
        .getTargetPort().getIntVal();
  }

  static String reach(String sni) throws IOException {
    try (TlsClient c = TlsClient.connect(gatewayPort(), sni)) {
      return c.greeting.split(" ")[2];
    }
  }

  @Test
  @Order(1)
  void tutorialObjectsGetTheirStatusesAServiceAnAddressAndTraffic() throws Exception {
    Await.until(Duration.ofSeconds(20), "route Accepted and ResolvedRefs",
        () -> routeCondition("api-tls-route", "Accepted", "True", "Accepted")
            && routeCondition("api-tls-route", "ResolvedRefs", "True", "ResolvedRefs"));
    RouteParentStatus parent = ourParent("api-tls-route").orElseThrow();
    assertEquals("gateway.networking.k8s.io", parent.getParentRef().getGroup());
    assertEquals("Gateway", parent.getParentRef().getKind());
    assertEquals("tls-passthrough-gateway", parent.getParentRef().getName());

    Await.until(Duration.ofSeconds(20), "the Gateway's Service", () -> api.client.services().inNamespace("default")
        .withName("passage-tls-passthrough-gateway").get() != null);
    int port = gatewayPort();
    assertTrue(port >= portBase && port <= portBase + 40, "allocated " + port);
    Service svc = api.client.services().inNamespace("default").withName("passage-tls-passthrough-gateway").get();
    assertEquals("Gateway", svc.getMetadata().getOwnerReferences().get(0).getKind());
    Await.until(Duration.ofSeconds(20), "Programmed=False until the Service has an address", () ->
        condition(gateway().getStatus().getConditions(), "Programmed").map(c -> c.getReason().equals("AddressNotAssigned")).orElse(false));

    // what a cloud load balancer would do: give the Service an ingress address
    svc.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer().addNewIngress()
        .withIp("127.0.0.1").endIngress().endLoadBalancer().build());
    api.client.resource(svc).updateStatus();
    Await.until(Duration.ofSeconds(20), "Gateway Programmed with an address", () -> {
      Gateway g = gateway();
      return condition(g.getStatus().getConditions(), "Programmed").map(c -> c.getStatus().equals("True")).orElse(false)
          && !g.getStatus().getAddresses().isEmpty()
          && g.getStatus().getAddresses().get(0).getValue().equals("127.0.0.1")
          && g.getStatus().getAddresses().get(0).getType().equals("IPAddress");
    });
    long gen = gateway().getMetadata().getGeneration();
    assertTrue(gateway().getStatus().getConditions().stream().allMatch(c -> c.getObservedGeneration() == gen));
    assertEquals(1, gateway().getStatus().getListeners().get(0).getAttachedRoutes());

    Await.until(Duration.ofSeconds(20), "traffic reaches the api backend", () -> reach("api.example.com").equals("api"));
  }

  @Test
  @Order(2)
  void updatingARouteMovesTrafficAndAGenerationBumpIsObserved() throws Exception {
    api.edit(TLSRoute.class, "default", "api-tls-route", r -> {
      r.getSpec().getRules().get(0).getBackendRefs().get(0).setName("alt-service");
      return r;
    });
    Await.until(Duration.ofSeconds(20), "traffic moves to alt", () -> reach("api.example.com").equals("alt"));

    // same meaning, new generation (kind Service is the default): the status must follow (observedGeneration)
    api.edit(TLSRoute.class, "default", "api-tls-route", r -> {
      r.getSpec().getRules().get(0).getBackendRefs().get(0).setKind("Service");
      return r;
    });
    long gen = getRoute("api-tls-route").getMetadata().getGeneration();
    assertTrue(gen >= 3, "generation " + gen);
    Await.until(Duration.ofSeconds(20), "observedGeneration " + gen, () -> ourParent("api-tls-route")
        .map(p -> p.getConditions().stream().allMatch(c -> c.getObservedGeneration() == gen)).orElse(false));
  }

  @Test
  @Order(3)
  void deletingAReferenceGrantRevokesStatusAndTraffic() throws Exception {
    api.create(Fixtures.join(route("backend-tls", "backend.example.com", "backend-service", "backend-namespace"),
        Fixtures.serviceGrant("allow-default-to-backend", "backend-namespace", "default")));
    Await.until(Duration.ofSeconds(20), "cross-namespace route routed", () -> reach("backend.example.com").equals("cross"));
    api.client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class)
        .inNamespace("backend-namespace").withName("allow-default-to-backend").delete();
    Await.until(Duration.ofSeconds(20), "RefNotPermitted", () -> routeCondition("backend-tls", "ResolvedRefs", "False", "RefNotPermitted"));
    assertTrue(routeCondition("backend-tls", "Accepted", "True", "Accepted"), "the route stays Accepted");
    Await.until(Duration.ofSeconds(20), "traffic refused", () -> TlsClient.refused(gatewayPort(), "backend.example.com"));
    Await.until(Duration.ofSeconds(20), "an Event on the route", () -> api.client.v1().events().inNamespace("default").list()
        .getItems().stream().anyMatch(e -> e.getInvolvedObject().getName().equals("backend-tls")
            && e.getReason().equals("RefNotPermitted")));
  }

  @Test
  @Order(4)
  void anotherControllersParentEntryIsLeftAlone() throws Exception {
    TLSRoute created = (TLSRoute) api.create(route("shared-route", "shared.example.com", "api-service", null)).get(0);
    RouteParentStatus theirs = new RouteParentStatusBuilder().withControllerName("example.com/other-controller")
        .withNewParentRef().withGroup("gateway.networking.k8s.io").withKind("Gateway").withName("their-gateway").endParentRef()
        .addToConditions(new io.fabric8.kubernetes.api.model.ConditionBuilder().withType("Accepted").withStatus("True")
            .withReason("Accepted").withMessage("theirs").withObservedGeneration(1L)
            .withLastTransitionTime("2026-01-01T00:00:00Z").build())
        .build();
    Await.until(Duration.ofSeconds(20), "our entry written", () -> ourParent("shared-route").isPresent());
    TLSRoute current = getRoute("shared-route");
    current.getStatus().getParents().add(theirs);
    api.client.resource(current).updateStatus();
    // a change that makes Passage write again
    api.edit(TLSRoute.class, "default", "shared-route", r -> {
      r.getSpec().getRules().get(0).getBackendRefs().get(0).setName("no-such-service");
      return r;
    });
    Await.until(Duration.ofSeconds(20), "BackendNotFound", () -> routeCondition("shared-route", "ResolvedRefs", "False", "BackendNotFound"));
    List<RouteParentStatus> parents = getRoute("shared-route").getStatus().getParents();
    assertEquals(2, parents.size(), parents.toString());
    RouteParentStatus kept = parents.stream().filter(p -> p.getControllerName().equals("example.com/other-controller"))
        .findFirst().orElseThrow();
    assertEquals(theirs, kept);
    assertNotNull(created);
  }

  @Test
  @Order(5)
  void aMissingKindIsToleratedAndPickedUpWhenItAppears() throws Exception {
    api.startServing("gateway.networking.k8s.io/v1/httproutes");
    api.create("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: web
          namespace: default
        spec:
          parentRefs:
          - name: tls-passthrough-gateway
          rules:
          - backendRefs:
            - name: api-service
              port: 8443
        """);
    Await.until(Duration.ofSeconds(20), "HTTPRoute status written (NotAllowedByListeners on a TLS listener)", () -> {
      var r = api.client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class).inNamespace("default")
          .withName("web").get();
      return r.getStatus() != null && r.getStatus().getParents() != null && r.getStatus().getParents().stream()
          .anyMatch(p -> condition(p.getConditions(), "Accepted").map(c -> c.getReason().equals("NotAllowedByListeners"))
              .orElse(false));
    });
  }

  @Test
  @Order(6)
  void whileTheApiServerIsAwayTrafficFlowsAndChangesArriveAfter() throws Exception {
    int port = gatewayPort();
    relay.stop();
    try {
      api.create(route("late-route", "late.example.com", "api-service", null));
      for (int i = 0; i < 20; i++) {
        try (TlsClient c = TlsClient.connect(port, "api.example.com")) {
          assertEquals("hello from alt sni=api.example.com", c.greeting, "routing with the last table");
        }
      }
      assertTrue(TlsClient.refused(port, "late.example.com"), "the new route is not known yet");
    } finally {
      relay.start();
    }
    Await.until(Duration.ofSeconds(30), "the change made meanwhile arrives", () -> reach("late.example.com").equals("api"));
    Await.until(Duration.ofSeconds(30), "and its status is written", () -> routeCondition("late-route", "Accepted", "True", "Accepted"));
  }

  @Test
  @Order(7)
  void deletingTheGatewayRemovesItsServiceAndItsListener() throws Exception {
    int port = gatewayPort();
    api.client.resources(Gateway.class).inNamespace("default").withName("tls-passthrough-gateway").delete();
    Await.until(Duration.ofSeconds(20), "Service deleted", () -> api.client.services().inNamespace("default")
        .withName("passage-tls-passthrough-gateway").get() == null);
    Await.until(Duration.ofSeconds(20), "port closed", () -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        return false;
      } catch (ConnectException e) {
        return true;
      }
    });
  }
}
