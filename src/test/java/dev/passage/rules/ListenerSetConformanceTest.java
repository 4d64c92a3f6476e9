package dev.passage.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.resources.Kind;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.NamespacedName;
import dev.passage.table.GatewayTable;
import dev.passage.table.ListenerTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The assertions of the Gateway API's ListenerSet conformance tests (conformance/tests/listenerset-*.go),
 * made on what the rules compute from the same manifests (the golden cases listenerset-*, whose
 * expected.yaml pins the rest). Traffic through ListenerSet listeners is ListenerSetTest's.
 */
class ListenerSetConformanceTest {
  private static final String INFRA = "gateway-conformance-infra";

  private static Reconciliation reconcile(String testCase) throws IOException {
    return Reconciler.reconcile(GoldenRulesTest.inputsOf(Path.of("src/test/resources/rules/listenerset-" + testCase)),
        GoldenRulesTest.SETTINGS);
  }

  private static GatewayStatus gateway(Reconciliation r, String name) {
    GatewayStatus s = (GatewayStatus) r.statuses().get(ObjectKey.of(Kind.GATEWAY, INFRA, name));
    assertNotNull(s, "no status for Gateway " + name);
    return s;
  }

  private static ListenerSetStatus set(Reconciliation r, String namespace, String name) {
    ListenerSetStatus s = (ListenerSetStatus) r.statuses().get(ObjectKey.of(Kind.LISTENER_SET, namespace, name));
    assertNotNull(s, "no status for ListenerSet " + namespace + "/" + name);
    return s;
  }

  private static RouteStatus route(Reconciliation r, String namespace, String name) {
    RouteStatus s = (RouteStatus) r.statuses().get(ObjectKey.of(Kind.HTTP_ROUTE, namespace, name));
    assertNotNull(s, "no status for HTTPRoute " + namespace + "/" + name);
    return s;
  }

  /** reason null: any. */
  private static void has(List<Condition> conditions, String type, String status, String reason, String where) {
    Condition c = conditions.stream().filter(x -> x.type().equals(type)).findFirst()
        .orElseThrow(() -> new AssertionError(where + ": no " + type + " in " + conditions));
    assertEquals(status, c.status(), where + ": " + c);
    if (reason != null) assertEquals(reason, c.reason(), where + ": " + c);
  }

  private static void accepted(ListenerSetStatus s, String where) {
    has(s.conditions(), "Accepted", "True", null, where);
    has(s.conditions(), "Programmed", "True", "Programmed", where);
  }

  private static void refused(ListenerSetStatus s, String reason, String where) {
    has(s.conditions(), "Accepted", "False", reason, where);
    has(s.conditions(), "Programmed", "False", reason, where);
  }

  private static GatewayStatus.Listener listener(List<GatewayStatus.Listener> listeners, String name) {
    return listeners.stream().filter(l -> l.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no listener " + name + " in " + listeners));
  }

  /** generateAcceptedListenerConditions(): ResolvedRefs, Accepted and Programmed all True. */
  private static void listenerAccepted(List<GatewayStatus.Listener> listeners, String name) {
    GatewayStatus.Listener l = listener(listeners, name);
    for (String type : List.of("ResolvedRefs", "Accepted", "Programmed")) has(l.conditions(), type, "True", null, name);
  }

  private static void listenerConflicted(List<GatewayStatus.Listener> listeners, String name, String reason) {
    GatewayStatus.Listener l = listener(listeners, name);
    has(l.conditions(), "Accepted", "False", reason, name);
    has(l.conditions(), "Programmed", "False", reason, name);
    has(l.conditions(), "Conflicted", "True", reason, name);
  }

  private static int attachedSets(GatewayStatus s) {
    return s.attachedListenerSets() == null ? 0 : s.attachedListenerSets(); // ptr.Deref(…, 0) as the suite reads it
  }

  /** Each route's parent entry for this parent kind and name: Accepted as given (reason null: any). */
  private static void parent(RouteStatus s, String kind, String name, String status, String reason) {
    RouteStatus.Parent p = s.parents().stream()
        .filter(x -> x.parentRef().kind().equals(kind) && x.parentRef().name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no parent " + kind + " " + name + " in " + s));
    has(p.conditions(), "Accepted", status, reason, kind + " " + name);
    if ("True".equals(status)) has(p.conditions(), "ResolvedRefs", "True", null, kind + " " + name);
  }

  @Test
  void defaultNotAllowed() throws IOException {
    Reconciliation r = reconcile("default-not-allowed");
    GatewayStatus gw = gateway(r, "gateway-default-does-not-allow-listenerset");
    has(gw.conditions(), "Accepted", "True", null, "gateway");
    assertEquals(0, attachedSets(gw));
    refused(set(r, INFRA, "listenerset-default-not-allowed"), "NotAllowed", "listenerset");
    // and nothing of it is served
    GatewayTable entry = r.table().gateways().get(new NamespacedName(INFRA, "gateway-default-does-not-allow-listenerset"));
    assertEquals(List.of("gateway-listener"), entry.listeners().stream().map(ListenerTable::name).toList());
  }

  @Test
  void allowedNamespaceNone() throws IOException {
    Reconciliation r = reconcile("allowed-namespace-none");
    GatewayStatus gw = gateway(r, "gateway-does-not-allow-listenerset");
    has(gw.conditions(), "Accepted", "True", null, "gateway");
    assertEquals(0, attachedSets(gw));
    refused(set(r, INFRA, "listenerset-not-allowed"), "NotAllowed", "listenerset");
  }

  @Test
  void allowedNamespaceSame() throws IOException {
    Reconciliation r = reconcile("allowed-namespace-same");
    GatewayStatus gw = gateway(r, "gateway-allows-listenerset-in-same-namespace");
    has(gw.conditions(), "Accepted", "True", null, "gateway");
    assertEquals(1, attachedSets(gw));
    ListenerSetStatus same = set(r, INFRA, "listenerset-in-same-namespace");
    has(same.conditions(), "Accepted", "True", "Accepted", "same");
    has(same.conditions(), "Programmed", "True", "Programmed", "same");
    listenerAccepted(same.listeners(), "listenerset-in-same-namespace-listener");
    refused(set(r, "gateway-api-listenerset-not-allowed-ns", "listenerset-in-different-namespace"), "NotAllowed", "other");
  }

  @Test
  void allowedNamespaceSelector() throws IOException {
    Reconciliation r = reconcile("allowed-namespace-selector");
    GatewayStatus gw = gateway(r, "gateway-allows-listenerset-in-selected-namespace");
    has(gw.conditions(), "Accepted", "True", null, "gateway");
    assertEquals(1, attachedSets(gw));
    ListenerSetStatus selected = set(r, "gateway-api-listenerset-selector-allowed-ns", "listenerset-in-selected-namespace");
    has(selected.conditions(), "Accepted", "True", "Accepted", "selected");
    has(selected.conditions(), "Programmed", "True", "Programmed", "selected");
    listenerAccepted(selected.listeners(), "listenerset-in-selected-namespace-listener");
    refused(set(r, "gateway-api-listenerset-selector-not-allowed-ns", "listenerset-not-in-selected-namespace"),
        "NotAllowed", "not selected");
  }

  @Test
  void hostnameConflict() throws IOException {
    conflicts("hostname-conflict", "gateway-with-listenerset-hostname-conflict", "hostname", "HostnameConflict");
  }

  @Test
  void protocolConflict() throws IOException {
    conflicts("protocol-conflict", "gateway-with-listenerset-protocol-conflict", "protocol", "ProtocolConflict");
  }

  /** The Gateway's listeners win, then the older (here: first by name) ListenerSet; a set left with none is not accepted. */
  private void conflicts(String testCase, String gatewayName, String what, String reason) throws IOException {
    Reconciliation r = reconcile(testCase);
    GatewayStatus gw = gateway(r, gatewayName);
    has(gw.conditions(), "Accepted", "True", null, "gateway");
    listenerAccepted(gw.listeners(), "gateway-listener");
    listenerAccepted(gw.listeners(), what + "-conflict-with-gateway-listener");
    assertEquals(2, attachedSets(gw));
    String prefix = "listenerset-with-" + what + "-conflict-with-";
    ListenerSetStatus g1 = set(r, INFRA, prefix + "gateway-1");
    accepted(g1, "gateway-1");
    listenerAccepted(g1.listeners(), "listener-set-1-listener");
    listenerConflicted(g1.listeners(), what + "-conflict-with-gateway-listener", reason);
    listenerAccepted(g1.listeners(), what + "-conflict-with-listener-set-listener");
    ListenerSetStatus g2 = set(r, INFRA, prefix + "gateway-2");
    refused(g2, "ListenersNotValid", "gateway-2");
    listenerConflicted(g2.listeners(), what + "-conflict-with-gateway-listener", reason);
    ListenerSetStatus s1 = set(r, INFRA, prefix + "listener-set-1");
    accepted(s1, "listener-set-1");
    listenerAccepted(s1.listeners(), "listener-set-2-listener");
    listenerConflicted(s1.listeners(), what + "-conflict-with-listener-set-listener", reason);
    ListenerSetStatus s2 = set(r, INFRA, prefix + "listener-set-2");
    refused(s2, "ListenersNotValid", "listener-set-2");
    listenerConflicted(s2.listeners(), what + "-conflict-with-listener-set-listener", reason);
  }

  @Test
  void referenceGrant() throws IOException {
    Reconciliation r = reconcile("reference-grant");
    has(gateway(r, "gateway-with-listener-sets-test-reference-grant").conditions(), "Accepted", "True", null, "gateway");
    ListenerSetStatus with = set(r, INFRA, "listenerset-with-reference-grant");
    has(with.conditions(), "Accepted", "True", null, "with grant");
    has(with.conditions(), "Programmed", "True", null, "with grant");
    has(listener(with.listeners(), "listenerset-with-reference-grant-listener").conditions(), "ResolvedRefs", "True", null, "with");
    ListenerSetStatus without = set(r, "gateway-api-listener-sets-test-reference-grant-ns", "listenerset-without-reference-grant");
    refused(without, "ListenersNotValid", "without grant");
    has(listener(without.listeners(), "listenerset-without-reference-grant-listener").conditions(),
        "ResolvedRefs", "False", "RefNotPermitted", "without");
  }

  @Test
  void allowedRoutesSupportedKinds() throws IOException {
    Reconciliation r = reconcile("allowed-routes-supported-kinds");
    has(gateway(r, "gateway-with-listener-sets-test-supported-route-kinds").conditions(), "Accepted", "True", null, "gateway");
    ListenerSetStatus s = set(r, INFRA, "listenerset-test-allowed-routes-supported-kinds");
    has(listener(s.listeners(), "listener-set-listener-allowed-routes-tls-only").conditions(),
        "ResolvedRefs", "False", "InvalidRouteKinds", "listener");
  }

  @Test
  void allowedRoutesNamespaces() throws IOException {
    Reconciliation r = reconcile("allowed-routes-namespaces");
    GatewayStatus gw = gateway(r, "gateway-with-listener-sets-test-allowed-routes");
    has(gw.conditions(), "Accepted", "True", null, "gateway");
    assertEquals(2, attachedSets(gw));
    for (String[] rt : new String[][] {{INFRA, "route-in-same-namespace"}, {"gateway-api-routes-allowed-ns", "route-in-selected-namespace"},
        {"gateway-api-routes-not-allowed-ns", "route-not-in-selected-namespace"}}) {
      parent(route(r, rt[0], rt[1]), "ListenerSet", "listenerset-test-allowed-routes-namespaces", "True", null);
    }
    ListenerSetStatus s = set(r, INFRA, "listenerset-test-allowed-routes-namespaces");
    assertEquals(3, listener(s.listeners(), "listener-set-listener-allowed-routes-all").attachedRoutes());
    assertEquals(1, listener(s.listeners(), "listener-set-listener-allowed-routes-same").attachedRoutes());
    assertEquals(1, listener(s.listeners(), "listener-set-listener-allowed-routes-selector").attachedRoutes());
    for (GatewayStatus.Listener l : s.listeners()) listenerAccepted(s.listeners(), l.name());
    // a ListenerSet in another namespace: "Same" is its own namespace, not the Gateway's
    parent(route(r, "gateway-api-ls-cross-ns", "route-in-listenerset-namespace"), "ListenerSet",
        "listenerset-test-allowed-routes-cross-ns", "True", null);
    parent(route(r, INFRA, "route-in-gateway-namespace"), "ListenerSet", "listenerset-test-allowed-routes-cross-ns",
        "False", "NotAllowedByListeners");
    ListenerSetStatus cross = set(r, "gateway-api-ls-cross-ns", "listenerset-test-allowed-routes-cross-ns");
    assertEquals(1, listener(cross.listeners(), "listener-set-listener-allowed-routes-cross-ns-same").attachedRoutes());
  }

  @Test
  void dualParentRefIndependence() throws IOException {
    Reconciliation r = reconcile("dual-parentref-independence");
    GatewayStatus gw = gateway(r, "gateway-dual-parentref");
    assertEquals(1, attachedSets(gw));
    ListenerSetStatus s = set(r, INFRA, "ls-dual-parentref");
    assertEquals(2, listener(s.listeners(), "ls-dual-parentref-listener").attachedRoutes());
    listenerAccepted(s.listeners(), "ls-dual-parentref-listener");
    RouteStatus both = route(r, INFRA, "route-dual-parentref-both");
    parent(both, "Gateway", "gateway-dual-parentref", "True", null);
    parent(both, "ListenerSet", "ls-dual-parentref", "True", null);
    RouteStatus one = route(r, INFRA, "route-dual-parentref-one");
    parent(one, "Gateway", "gateway-dual-parentref", "False", "NoMatchingParent");
    parent(one, "ListenerSet", "ls-dual-parentref", "True", null);
    // the Gateway's own listener counts the route that names the whole Gateway, not the one naming a set's listener
    assertEquals(1, listener(gw.listeners(), "gw-dual-parentref-listener").attachedRoutes());
  }

  @Test
  void gatewayParentSectionNameNotFound() throws IOException {
    Reconciliation r = reconcile("gateway-parent-section-name-not-found");
    assertEquals(1, attachedSets(gateway(r, "gateway-section-name")));
    parent(route(r, INFRA, "route-via-listenerset"), "ListenerSet", "listenerset-section-name", "True", null);
    parent(route(r, INFRA, "route-via-gateway"), "Gateway", "gateway-section-name", "False", "NoMatchingParent");
  }

  @Test
  void routeStatusScopedToParentRef() throws IOException {
    Reconciliation r = reconcile("route-status-scoped-to-parentref");
    assertEquals(1, attachedSets(gateway(r, "gateway-parentref")));
    ListenerSetStatus s = set(r, INFRA, "listenerset-parentref");
    assertEquals(1, listener(s.listeners(), "listenerset-parentref-listener").attachedRoutes());
    RouteStatus gwOnly = route(r, INFRA, "route-parentref-gwonly");
    assertEquals(1, gwOnly.parents().size(), "HTTPRouteMustHaveParents: exactly the Gateway");
    parent(gwOnly, "Gateway", "gateway-parentref", "True", null);
    RouteStatus lsOnly = route(r, INFRA, "route-parentref-lsonly");
    assertEquals(1, lsOnly.parents().size(), "HTTPRouteMustHaveParents: exactly the ListenerSet");
    parent(lsOnly, "ListenerSet", "listenerset-parentref", "True", null);
    assertEquals(INFRA, lsOnly.parents().get(0).parentRef().namespace());
  }

  @Test
  void httpRouting() throws IOException {
    Reconciliation r = reconcile("http-routing");
    assertEquals(2, attachedSets(gateway(r, "gateway-with-listener-sets-http-routing")));
    ListenerSetStatus one = set(r, INFRA, "listener-set-http-routing-1");
    assertEquals(3, listener(one.listeners(), "listener-set-http-routing-1-listener-1").attachedRoutes());
    assertEquals(2, listener(one.listeners(), "listener-set-http-routing-1-listener-2").attachedRoutes());
    ListenerSetStatus two = set(r, INFRA, "listener-set-http-routing-2");
    assertEquals(2, listener(two.listeners(), "listener-set-http-routing-2-listener-1").attachedRoutes());
    assertEquals(2, listener(two.listeners(), "listener-set-http-routing-2-listener-2").attachedRoutes());
    for (ListenerSetStatus s : List.of(one, two)) {
      accepted(s, "set");
      s.listeners().forEach(l -> listenerAccepted(s.listeners(), l.name()));
    }
    // served: the Gateway's two listeners and the four of its sets, each under its own key
    GatewayTable entry = r.table().gateways().get(new NamespacedName(INFRA, "gateway-with-listener-sets-http-routing"));
    assertEquals(6, entry.listeners().size(), entry.listeners().toString());
    assertTrue(entry.listeners().stream().anyMatch(l -> l.name().equals(INFRA + "/listener-set-http-routing-2/listener-set-http-routing-2-listener-1")));
  }
}
