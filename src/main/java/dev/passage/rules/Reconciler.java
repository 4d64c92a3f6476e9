package dev.passage.rules;

import dev.passage.resources.GatewayClassView;
import dev.passage.resources.GatewayView;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import dev.passage.table.GatewayTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole computation in one pure function, from a snapshot to statuses and the route table.
 * The actors run the same rules piecewise (a Route actor per route, a Gateway actor per Gateway);
 * this function is what golden-file tests hold them to.
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
    Map<NamespacedName, List<RouteAttachment>> byGateway = new HashMap<>();
    for (RouteView route : index.routes()) {
      RouteEvaluation e = RouteRules.evaluate(route, index, settings);
      if (!e.status().parents().isEmpty()) statuses.put(route.key(), e.status());
      e.attachments().forEach((gw, a) -> byGateway.computeIfAbsent(gw, k -> new ArrayList<>()).add(a));
    }
    Map<NamespacedName, GatewayTable> tables = new TreeMap<>();
    for (GatewayView gateway : index.gateways()) {
      if (!GatewayRules.isServedBy(gateway, index, settings)) continue;
      GatewayEvaluation e = GatewayRules.evaluate(gateway, index, settings,
          byGateway.getOrDefault(gateway.meta().ref(), List.of()));
      statuses.put(gateway.key(), e.status());
      tables.put(gateway.meta().ref(), e.table());
    }
    return new Reconciliation(statuses, dev.passage.table.RouteTable.of(tables));
  }
}
