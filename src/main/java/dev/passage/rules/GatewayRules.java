package dev.passage.rules;

import dev.passage.resources.GatewayClassView;
import dev.passage.resources.GatewayView;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import dev.passage.table.GatewayEntry;
import dev.passage.table.ListenerTable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** A Gateway's status and table, from its listeners and the routes attached to it. */
public final class GatewayRules {
  /**
   * The GatewayClass's supportedFeatures, sorted by name as the API asks: only features that work
   * and that a test holds (HttpRouteTest for the HTTP ones; ClientCertificateTest for frontend validation;
   * BackendTlsPolicyTest for BackendTLSPolicy, its subjectAltNames and the Gateway's backend client certificate;
   * ListenerSetTest and ListenerSetConformanceTest for ListenerSet; TcpRouteTest and TcpRouteConformanceTest for TCPRoute;
   * UdpRouteTest and UdpRouteConformanceTest for UDPRoute).
   */
  public static final List<String> SUPPORTED_FEATURES = List.of("BackendTLSPolicy", "BackendTLSPolicySANValidation",
      "Gateway", "GatewayBackendClientCertificate", "GatewayFrontendClientCertificateValidation",
      "GatewayFrontendClientCertificateValidationInsecureFallback", "HTTPRoute", "HTTPRouteBackendTimeout",
      "HTTPRouteHostRewrite", "HTTPRouteMethodMatching", "HTTPRoutePathRedirect", "HTTPRoutePathRewrite",
      "HTTPRoutePortRedirect", "HTTPRouteQueryParamMatching", "HTTPRouteRequestTimeout",
      "HTTPRouteResponseHeaderModification", "HTTPRouteSchemeRedirect", "ListenerSet", "ReferenceGrant",
      "TCPRoute", "TLSRoute", "TLSRouteModeMixed", "TLSRouteModeTerminate", "UDPRoute");

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

  /**
   * The Gateways a route attaches through: those its parentRefs name, and the parents of the
   * ListenerSets they name (served by Passage or not; not recorded: the controller's routing).
   */
  public static Set<NamespacedName> parents(RouteView route, ResourceIndex index) {
    Set<NamespacedName> out = named(route);
    for (RouteView.ParentRef p : route.parentRefs()) {
      if ("ListenerSet".equals(p.kind()) && dev.passage.resources.GroupKind.GATEWAY_GROUP.equals(p.group())) {
        index.listenerSet(p.namespace() == null ? route.meta().namespace() : p.namespace(), p.name())
            .map(dev.passage.resources.ListenerSetView::parentGateway).ifPresent(out::add);
      }
    }
    return out;
  }

  /** The Gateways a route's parentRefs name (served by Passage or not). */
  public static Set<NamespacedName> named(RouteView route) {
    Set<NamespacedName> out = new TreeSet<>();
    for (RouteView.ParentRef p : route.parentRefs()) {
      if ("Gateway".equals(p.kind()) && dev.passage.resources.GroupKind.GATEWAY_GROUP.equals(p.group())) {
        out.add(new NamespacedName(p.namespace() == null ? route.meta().namespace() : p.namespace(), p.name()));
      }
    }
    return out;
  }

  /**
   * A Gateway judged on its own: its listeners (certificates included), where it is placed, its
   * conditions, and its entry in the route table. What routes attach to it is counted apart
   * ({@link GatewayJudgement#status}), so that a route change never judges the Gateway again.
   */
  public static GatewayJudgement judge(GatewayView gateway, ResourceIndex index, RulesSettings settings) {
    long gen = gateway.meta().generation();
    ListenerRules.Merged merged = ListenerRules.merged(gateway, index);
    List<ListenerResult> listeners = merged.gateway();
    Placement placement = settings.placement().place(gateway, index);
    List<GatewayEntry.Listener> served = new ArrayList<>();
    for (ListenerResult l : listeners) {
      if (!l.served() || gateway.infrastructureParametersRef() != null) continue;
      served.add(entryListener(l, Referrer.of(gateway), placement, index,
          TrafficPolicyRules.forListener(index, gateway.meta().ref(), l.key(), true)));
    }

    long accepted = listeners.stream().filter(ListenerResult::accepted).count();
    long valid = listeners.stream().filter(ListenerResult::valid).count();
    boolean programmed = listeners.stream().anyMatch(ListenerResult::programmed);
    boolean gatewayAccepted = gateway.infrastructureParametersRef() == null && accepted > 0;
    GatewayView.SecretRef clientCert = gateway.backendClientCertificate();
    // checked once: the condition says what is wrong, the entry names only a Secret the Gateway may use
    Optional<CertificateRules.Failure> clientCertCheck = clientCert == null ? Optional.empty()
        : CertificateRules.check(gateway, clientCert, index);
    Optional<CertificateRules.Failure> backendCertificate = clientCertCheck.map(GatewayRules::asClientCertificateFailure);
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
      if (gateway.backendClientCertificate() != null) {
        conditions.add(backendCertificate.isEmpty() ? Condition.isTrue("ResolvedRefs", "ResolvedRefs", "", gen)
            : Condition.isFalse("ResolvedRefs", backendCertificate.get().reason(), backendCertificate.get().message(), gen));
      }
      if (gateway.frontend().anyInsecureFallback()) {
        conditions.add(Condition.isTrue("InsecureFrontendValidationMode", "ConfigurationChanged",
            "a frontend validation lets clients without a valid certificate through (AllowInsecureFallback)", gen));
      }
      if (!programmed) {
        conditions.add(Condition.isFalse("Programmed", "Invalid", "no listener could be programmed", gen));
      } else if (placement.addresses().isEmpty()) {
        conditions.add(Condition.isFalse("Programmed", "AddressNotAssigned",
            "waiting for the Gateway's Service to get an address", gen));
      } else {
        conditions.add(Condition.isTrue("Programmed", "Programmed", "", gen));
      }
    }

    List<ListenerSetJudgement> sets = new ArrayList<>();
    for (ListenerRules.SetListeners s : merged.sets()) {
      ListenerSetJudgement j = ListenerSetRules.judge(gateway, s, gatewayAccepted);
      sets.add(j);
      if (!gatewayAccepted || !s.admitted()) continue;
      // an admitted set's listeners are served beside the Gateway's, even when none of them is valid
      // (as a Gateway listener whose certificate is missing stays in the table and refuses handshakes)
      for (ListenerResult l : s.listeners()) {
        if (l.served()) {
          served.add(entryListener(l, Referrer.of(s.set()), placement, index,
              TrafficPolicyRules.forListener(index, gateway.meta().ref(), l.key(), false)));
        }
      }
    }
    Integer attachedListenerSets = "None".equals(gateway.allowedListeners().from()) ? null
        : (int) sets.stream().filter(ListenerSetJudgement::accepted).count();
    GatewayEntry entry = new GatewayEntry(gateway.meta().ref(), gateway.meta().creationTimestamp(),
        placement.bindHosts(), served, clientCert == null || !CertificateRules.permitted(clientCertCheck) ? null
            : new NamespacedName(clientCert.namespace() != null ? clientCert.namespace() : gateway.meta().namespace(),
                clientCert.name()));
    return new GatewayJudgement(listeners, placement.addresses(), conditions, entry, sets, attachedListenerSets);
  }

  /** A served listener as the route table carries it: its certificates only those its owner (referrer) may use. */
  private static GatewayEntry.Listener entryListener(ListenerResult l, Referrer referrer, Placement placement,
                                                     ResourceIndex index, dev.passage.table.ConnectionPolicy policy) {
    String protocol = l.spec().protocol();
    ListenerTable.Termination terminate = "Terminate".equals(l.spec().tlsMode()) || ListenerTable.HTTPS.equals(protocol)
        ? new ListenerTable.Termination(l.spec().certificateRefs().stream()
            .filter(ref -> CertificateRules.permitted(referrer, ref, index)) // never a Secret the owner may not use
            .map(ref -> new NamespacedName(ref.namespace() != null ? ref.namespace() : referrer.namespace(), ref.name()))
            .toList(), l.clientValidation())
        : null;
    return new GatewayEntry.Listener(l.key(), protocol, l.spec().port(), placement.bindPort(l.spec().port()),
        l.hostname(), terminate, policy);
  }

  /**
   * What is wrong with spec.tls.backend.clientCertificateRef, as the Gateway's ResolvedRefs says it:
   * not a core Secret, missing or not a usable key pair (InvalidClientCertificateRef), or in
   * another namespace without a ReferenceGrant (RefNotPermitted). The Gateway stays Accepted.
   */
  private static CertificateRules.Failure asClientCertificateFailure(CertificateRules.Failure f) {
    return new CertificateRules.Failure("RefNotPermitted".equals(f.reason()) ? "RefNotPermitted" : "InvalidClientCertificateRef",
        f.message().replace("certificateRef ", "clientCertificateRef "));
  }

  /** Each listener's count of attached routes, from the routes' attachments to this Gateway. */
  public static Map<String, Integer> attachedCounts(Collection<RouteAttachment> attachments) {
    Map<String, Integer> out = new HashMap<>();
    for (RouteAttachment a : attachments) a.hostnamesByListener().keySet().forEach(l -> out.merge(l, 1, Integer::sum));
    return out;
  }
}
