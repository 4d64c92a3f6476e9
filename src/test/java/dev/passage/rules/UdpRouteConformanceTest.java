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
 * The status assertions of the Gateway API's UDPRoute conformance tests (conformance/tests/udproute-*.go),
 * made on what the rules compute from the same manifests (the golden cases udproute-*). Traffic is
 * UdpRouteTest's.
 */
class UdpRouteConformanceTest {
  private static final String INFRA = "gateway-conformance-infra";

  private static Reconciliation reconcile(String testCase) throws IOException {
    return Reconciler.reconcile(GoldenRulesTest.inputsOf(Path.of("src/test/resources/rules/udproute-" + testCase)),
        GoldenRulesTest.SETTINGS);
  }

  /** "status reason" of a route's condition under its parent Gateway. */
  private static String route(Reconciliation r, String namespace, String name, String gateway, String type) {
    RouteStatus s = (RouteStatus) r.statuses().get(ObjectKey.of(Kind.UDP_ROUTE, namespace, name));
    assertNotNull(s, "no status for UDPRoute " + name + " in " + r.statuses().keySet());
    for (RouteStatus.Parent p : s.parents()) {
      if (!p.parentRef().name().equals(gateway)) continue;
      for (Condition c : p.conditions()) if (c.type().equals(type)) return c.status() + " " + c.reason();
    }
    throw new AssertionError("no " + type + " under " + gateway + " in " + s);
  }

  private static GatewayStatus gateway(Reconciliation r, String namespace, String name) {
    return (GatewayStatus) r.statuses().get(ObjectKey.of(Kind.GATEWAY, namespace, name));
  }

  @Test
  void simple() throws IOException {
    Reconciliation r = reconcile("simple");
    ObjectKey key = r.statuses().keySet().stream().filter(k -> k.kind() == Kind.UDP_ROUTE).findFirst().orElseThrow();
    assertEquals("True Accepted", route(r, key.namespace(), key.name(), "udp-gateway", "Accepted"));
    assertEquals("True ResolvedRefs", route(r, key.namespace(), key.name(), "udp-gateway", "ResolvedRefs"));
  }

  @Test
  void multipleRoutesAttachment() throws IOException {
    Reconciliation r = reconcile("multiple-routes-attachment");
    String gw = "udp-multi-route-attach-gateway";
    assertEquals("True Accepted", route(r, INFRA, "udproute-attach-older", gw, "Accepted"));
    assertEquals("True Accepted", route(r, INFRA, "udproute-attach-newer", gw, "Accepted"));
    GatewayStatus.Listener udp = gateway(r, INFRA, gw).listeners().get(0);
    assertEquals(2, udp.attachedRoutes());
    assertEquals("UDPRoute", udp.supportedKinds().get(0).kind());
    ListenerTable served = r.table().gateways().get(new NamespacedName(INFRA, gw)).listeners().get(0);
    assertEquals("udproute-attach-older", served.routes().get(0).route().name(), "the older is served");
  }

  @Test
  void notAllowedByListeners() throws IOException {
    Reconciliation r = reconcile("not-allowed-by-listeners");
    assertEquals("False NotAllowedByListeners",
        route(r, INFRA, "udproute-not-allowed-by-listeners", "udproute-tls-only-gateway", "Accepted"));
    gateway(r, INFRA, "udproute-tls-only-gateway").listeners().forEach(l -> assertEquals(0, l.attachedRoutes(), l.name()));
  }

  @Test
  void parentRefPortAndSectionName() throws IOException {
    Reconciliation r = reconcile("parentref-port-and-section-name");
    r.statuses().keySet().stream().filter(k -> k.kind() == Kind.UDP_ROUTE).forEach(k ->
        assertEquals("True Accepted", route(r, k.namespace(), k.name(), "udp-multi-listener-gateway", "Accepted"), k.name()));
  }

  @Test
  void backendRefsResolvedOrNot() throws IOException {
    assertEquals("True ResolvedRefs", route(reconcile("reference-grant"), INFRA, "udp-route-reference-grant",
        "udp-gateway-reference-grant", "ResolvedRefs"), "granted");
    Reconciliation cross = reconcile("invalid-cross-namespace-backend-ref");
    ObjectKey c = cross.statuses().keySet().stream().filter(k -> k.kind() == Kind.UDP_ROUTE).findFirst().orElseThrow();
    RouteStatus s = (RouteStatus) cross.statuses().get(c);
    String gw = s.parents().get(0).parentRef().name();
    assertEquals("False RefNotPermitted", route(cross, c.namespace(), c.name(), gw, "ResolvedRefs"));
    Reconciliation missing = reconcile("invalid-backendref-nonexistent");
    ObjectKey m = missing.statuses().keySet().stream().filter(k -> k.kind() == Kind.UDP_ROUTE).findFirst().orElseThrow();
    String mgw = ((RouteStatus) missing.statuses().get(m)).parents().get(0).parentRef().name();
    assertEquals("False BackendNotFound", route(missing, m.namespace(), m.name(), mgw, "ResolvedRefs"));
  }
}
