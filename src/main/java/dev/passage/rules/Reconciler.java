package dev.passage.rules;

import dev.passage.table.BackendKey;
import dev.passage.resources.GatewayClassView;
import dev.passage.resources.GatewayView;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import dev.passage.table.EndpointsEntry;
import dev.passage.table.Replicated;
import dev.passage.table.RouteTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The whole computation in one pure function, from a snapshot to statuses and the route table.
 * The actors run the same rules piecewise and only where something changed (a Route actor per
 * route, a Gateway actor per Gateway, the endpoints of the Service ports routes name); this
 * function is what golden-file tests hold the rules to, and what the property test holds the
 * incremental control plane to.
 */
public final class Reconciler {
  private Reconciler() {}

  public static Reconciliation reconcile(ResourceIndex index, RulesSettings settings) {
    Map<ObjectKey, Object> statuses = new TreeMap<>();
    for (GatewayClassView gc : index.gatewayClasses()) {
      if (settings.controllerName().equals(gc.controllerName())) {
        statuses.put(gc.key(), GatewayRules.classStatus(gc));
      }
    }
    List<Replicated> entries = new ArrayList<>();
    Map<NamespacedName, List<RouteAttachment>> byGateway = new HashMap<>();
    Set<BackendKey> named = new TreeSet<>();
    for (RouteView route : index.routes()) {
      RouteEvaluation e = RouteRules.evaluate(route, index, settings);
      if (!e.status().parents().isEmpty()) statuses.put(route.key(), e.status());
      e.attachments().forEach((gw, a) -> byGateway.computeIfAbsent(gw, k -> new ArrayList<>()).add(a));
      named.addAll(namedBackends(route));
    }
    for (GatewayView gateway : index.gateways()) {
      if (!GatewayRules.isServedBy(gateway, index, settings)) continue;
      List<RouteAttachment> attached = byGateway.getOrDefault(gateway.meta().ref(), List.of());
      GatewayJudgement j = GatewayRules.judge(gateway, index, settings);
      Map<String, Integer> counts = GatewayRules.attachedCounts(attached);
      statuses.put(gateway.key(), j.status(counts));
      for (ListenerSetJudgement set : j.listenerSets()) statuses.put(set.key(), set.status(counts));
      entries.add(j.entry());
      for (RouteAttachment a : attached) entries.add(a.entry(gateway.meta().ref()));
    }
    for (BackendKey key : named) {
      // every named port has its entry, empty when none is ready (as the controller publishes it)
      entries.add(new EndpointsEntry(key, BackendRules.endpoints(index, key), BackendTlsRules.forBackend(index, key),
          TrafficPolicyRules.forBackend(index, key)));
    }
    for (dev.passage.resources.Resource r : index.all(dev.passage.resources.Kind.BACKEND_TLS_POLICY)) {
      PolicyStatus s = BackendTlsRules.status((dev.passage.resources.BackendTlsPolicyView) r, index, settings);
      if (!s.ancestors().isEmpty()) statuses.put(r.key(), s);
    }
    for (dev.passage.resources.Resource r : index.all(dev.passage.resources.Kind.TRAFFIC_POLICY)) {
      statuses.put(r.key(), TrafficPolicyRules.status((dev.passage.resources.TrafficPolicyView) r, index, settings));
    }
    return new Reconciliation(statuses, RouteTable.of(entries));
  }

  /** The Service ports a route's backendRefs name, whether or not it may use them: their endpoints are in the table. */
  public static Set<BackendKey> namedBackends(RouteView route) {
    Set<BackendKey> out = new TreeSet<>();
    for (RouteView.BackendRef ref : route.backendRefs()) {
      BackendKey key = BackendRules.named(route.kind().kindName(), route.meta().namespace(), ref);
      if (key != null) out.add(key);
    }
    return out;
  }
}
