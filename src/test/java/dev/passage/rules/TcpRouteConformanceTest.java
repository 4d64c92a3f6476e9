package dev.passage.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.table.ListenerTable;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The status assertions of the Gateway API's TCPRoute conformance tests (conformance/tests/tcproute-*.go),
 * made on what the rules compute from the same manifests (the golden cases tcproute-*). Traffic is
 * TcpRouteTest's.
 */
class TcpRouteConformanceTest {
  private static final String INFRA = "gateway-conformance-infra";

  private static Reconciliation reconcile(String testCase) throws IOException {
    return Reconciler.reconcile(GoldenRulesTest.inputsOf(Path.of("src/test/resources/rules/tcproute-" + testCase)),
        GoldenRulesTest.SETTINGS);
  }

  /** "status reason" of a route's condition under its parent Gateway. */
  private static String route(Reconciliation r, String name, String gateway, String type) {
    RouteStatus s = (RouteStatus) r.statuses().get(ObjectKey.of(Kind.TCP_ROUTE, INFRA, name));
    assertNotNull(s, "no status for TCPRoute " + name);
    for (RouteStatus.Parent p : s.parents()) {
      if (!p.parentRef().name().equals(gateway)) continue;
      for (Condition c : p.conditions()) if (c.type().equals(type)) return c.status() + " " + c.reason();
    }
    throw new AssertionError("no " + type + " under " + gateway + " in " + s);
  }

  private static GatewayStatus gateway(Reconciliation r, String name) {
    return (GatewayStatus) r.statuses().get(ObjectKey.of(Kind.GATEWAY, INFRA, name));
  }

  @Test
  void multipleRoutesAttachment() throws IOException {
    Reconciliation r = reconcile("multiple-routes-attachment");
    String gw = "tcp-multi-route-attach-gateway";
    assertEquals("True Accepted", route(r, "tcproute-attach-older", gw, "Accepted"));
    assertEquals("True Accepted", route(r, "tcproute-attach-newer", gw, "Accepted"), "both Accepted, as the suite asks");
    GatewayStatus.Listener tcp = gateway(r, gw).listeners().get(0);
    assertEquals(2, tcp.attachedRoutes());
    assertEquals("TCPRoute", tcp.supportedKinds().get(0).kind());
    // the older one is served (the listener's first claim)
    ListenerTable served = r.table().gateways().get(new NamespacedName(INFRA, gw)).listeners().get(0);
    assertEquals("tcproute-attach-older", served.routes().get(0).route().name());
  }

  @Test
  void invalidNonTcpListener() throws IOException {
    Reconciliation r = reconcile("invalid-non-tcp-listener");
    assertEquals("False NotAllowedByListeners", route(r, "tcp-route", "tcp-mixed-protocol-gateway", "Accepted"));
    gateway(r, "tcp-mixed-protocol-gateway").listeners().forEach(l -> assertEquals(0, l.attachedRoutes(), l.name()));
  }

  @Test
  void parentRefPortAndSectionName() throws IOException {
    Reconciliation r = reconcile("parentref-port-and-section-name");
    for (String name : new String[] {"tcp-route-by-port", "tcp-route-by-section", "tcp-route-by-section-and-port"}) {
      assertEquals("True Accepted", route(r, name, "tcp-multi-listener-gateway", "Accepted"), name);
    }
  }

  @Test
  void backendRefsResolvedOrNot() throws IOException {
    assertEquals("True ResolvedRefs", route(reconcile("reference-grant"), "tcp-reference-grant",
        "tcp-reference-grant-gateway", "ResolvedRefs"), "granted");
    Reconciliation cross = reconcile("invalid-cross-namespace-backend-ref");
    assertEquals("False RefNotPermitted", route(cross, "tcp-invalid-cross-namespace-backend-ref",
        "tcp-invalid-cross-namespace-backend-ref-gateway", "ResolvedRefs"));
    assertEquals("True Accepted", route(cross, "tcp-invalid-cross-namespace-backend-ref",
        "tcp-invalid-cross-namespace-backend-ref-gateway", "Accepted"));
    assertEquals("False BackendNotFound", route(reconcile("invalid-backendref-nonexistent"),
        "tcp-route-invalid-backend-ref-nonexistent", "tcp-gateway-invalid-backend", "ResolvedRefs"));
  }
}
