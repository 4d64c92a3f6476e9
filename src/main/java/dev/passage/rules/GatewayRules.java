package dev.passage.rules;

import dev.passage.resources.GatewayClassView;
import dev.passage.resources.GatewayView;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import dev.passage.table.GatewayTable;
import dev.passage.table.HostRoute;
import dev.passage.table.ListenerTable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** A Gateway's status and table, from its listeners and the routes attached to it. */
public final class GatewayRules {
  /**
   * The GatewayClass's supportedFeatures, sorted by name as the API asks: only features that work
   * and that a test holds (HttpRouteTest for the HTTP ones).
   */
  public static final List<String> SUPPORTED_FEATURES = List.of("Gateway", "HTTPRoute", "HTTPRouteBackendTimeout",
      "HTTPRouteHostRewrite", "HTTPRouteMethodMatching", "HTTPRoutePathRedirect", "HTTPRoutePathRewrite",
      "HTTPRoutePortRedirect", "HTTPRouteQueryParamMatching", "HTTPRouteRequestTimeout",
      "HTTPRouteResponseHeaderModification", "HTTPRouteSchemeRedirect", "ReferenceGrant",
      "TLSRoute", "TLSRouteModeMixed", "TLSRouteModeTerminate");

  private GatewayRules() {}

  /**
   * Whether Passage serves this Gateway: its GatewayClass exists, names our controllerName, and
   * was accepted. A Gateway of an unknown or rejected class is left alone (no status, no traffic).
   */
  public static boolean isServedBy(GatewayView gateway, ResourceIndex index, RulesSettings settings) {
    return index.gatewayClass(gateway.gatewayClassName())
        .map(c -> settings.controllerName().equals(c.controllerName()) && c.parametersRef() == null).orElse(false);
  }

  /** Every class naming our controllerName gets Accepted: False when it asks for parameters. */
  public static GatewayClassStatus classStatus(GatewayClassView gc) {
    long gen = gc.meta().generation();
    Condition accepted = gc.parametersRef() == null
        ? Condition.isTrue("Accepted", "Accepted", "", gen)
        : Condition.isFalse("Accepted", "InvalidParameters",
            "Passage takes no GatewayClass parameters (parametersRef " + gc.parametersRef() + ")", gen);
    return new GatewayClassStatus(List.of(accepted),
        SUPPORTED_FEATURES.stream().map(GatewayClassStatus.Feature::new).toList());
  }

  /** The routes whose parentRefs name this Gateway: the ones it waits for before publishing. */
  public static Set<NamespacedName> routesNaming(GatewayView gateway, ResourceIndex index) {
    Set<NamespacedName> out = new TreeSet<>();
    for (RouteView r : index.routes()) {
      for (RouteView.ParentRef p : r.parentRefs()) {
        String ns = p.namespace() == null ? r.meta().namespace() : p.namespace();
        if ("Gateway".equals(p.kind()) && dev.passage.resources.GroupKind.GATEWAY_GROUP.equals(p.group())
            && ns.equals(gateway.meta().namespace()) && p.name().equals(gateway.meta().name())) {
          out.add(r.meta().ref());
          break;
        }
      }
    }
    return out;
  }

  public static GatewayEvaluation evaluate(GatewayView gateway, ResourceIndex index, RulesSettings settings,
                                           Collection<RouteAttachment> attachments) {
    long gen = gateway.meta().generation();
    List<ListenerResult> listeners = ListenerRules.evaluate(gateway, index);
    Placement placement = settings.placement().place(gateway, index);
    // oldest route first, then by name: the first route to claim a hostname keeps it
    List<RouteAttachment> ordered = new ArrayList<>(attachments);
    ordered.sort(Comparator.comparing(RouteAttachment::created).thenComparing(RouteAttachment::route));

    List<GatewayStatus.Listener> listenerStatus = new ArrayList<>();
    List<ListenerTable> tables = new ArrayList<>();
    for (ListenerResult l : listeners) {
      int attached = 0;
      List<HostRoute> routes = new ArrayList<>();
      for (RouteAttachment a : ordered) {
        List<String> hosts = a.hostnamesByListener().get(l.name());
        if (hosts == null) continue;
        attached++;
        for (String h : hosts) routes.add(new HostRoute(h, a.route(), a.backends(), a.created(), a.httpRules()));
      }
      listenerStatus.add(new GatewayStatus.Listener(l.name(), l.supportedKinds(), attached, l.conditions()));
      if (l.served() && gateway.infrastructureParametersRef() == null) {
        routes.sort(Comparator.comparing(HostRoute::hostname, Hostnames.MOST_SPECIFIC_FIRST)); // stable: age kept
        String protocol = l.spec().protocol();
        ListenerTable.Termination terminate = "Terminate".equals(l.spec().tlsMode()) || ListenerTable.HTTPS.equals(protocol)
            ? new ListenerTable.Termination(l.spec().certificateRefs().stream()
                .filter(ref -> CertificateRules.permitted(gateway, ref, index)) // never a Secret the Gateway may not use
                .map(ref -> new NamespacedName(ref.namespace() != null ? ref.namespace() : gateway.meta().namespace(), ref.name()))
                .toList())
            : null;
        tables.add(new ListenerTable(l.name(), protocol, l.spec().port(), placement.bindPort(l.spec().port()), l.hostname(),
            routes, terminate));
      }
    }

    long accepted = listeners.stream().filter(ListenerResult::accepted).count();
    long valid = listeners.stream().filter(ListenerResult::valid).count();
    boolean programmed = listeners.stream().anyMatch(ListenerResult::programmed);
    List<Condition> conditions = new ArrayList<>();
    if (gateway.infrastructureParametersRef() != null) {
      String why = "Passage takes no infrastructure parameters (parametersRef " + gateway.infrastructureParametersRef() + ")";
      conditions.add(Condition.isFalse("Accepted", "InvalidParameters", why, gen));
      conditions.add(Condition.isFalse("Programmed", "Invalid", why, gen));
    } else if (accepted == 0) {
      conditions.add(Condition.isFalse("Accepted", "ListenersNotValid", "no listener is valid", gen));
      conditions.add(Condition.isFalse("Programmed", "Invalid", "no listener is valid", gen));
    } else {
      conditions.add(valid == listeners.size()
          ? Condition.isTrue("Accepted", "Accepted", "", gen)
          : Condition.isTrue("Accepted", "ListenersNotValid", "some listeners are not valid", gen));
      if (!programmed) {
        conditions.add(Condition.isFalse("Programmed", "Invalid", "no listener could be programmed", gen));
      } else if (placement.addresses().isEmpty()) {
        conditions.add(Condition.isFalse("Programmed", "AddressNotAssigned",
            "waiting for the Gateway's Service to get an address", gen));
      } else {
        conditions.add(Condition.isTrue("Programmed", "Programmed", "", gen));
      }
    }
    GatewayStatus status = new GatewayStatus(placement.addresses(), conditions, listenerStatus);
    GatewayTable table = new GatewayTable(gateway.meta().ref(), gateway.meta().creationTimestamp(),
        placement.bindHosts(), tables);
    return new GatewayEvaluation(status, table);
  }
}
