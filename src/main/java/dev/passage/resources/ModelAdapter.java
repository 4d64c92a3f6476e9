package dev.passage.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.AllowedRoutes;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewaySpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParametersReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewaySpecAddress;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRouteRule;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns fabric8 model objects, of whichever API version, into Passage's internal views. This is
 * the one place where version differences are absorbed; everything downstream sees one shape.
 */
public final class ModelAdapter {
  private ModelAdapter() {}

  /** The internal view of a fabric8 object, or empty when Passage does not read that kind. */
  public static Optional<Resource> toView(HasMetadata obj, String defaultNamespace) {
    Resource view;
    if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass gc) {
      view = gatewayClass(meta(gc.getMetadata(), ""), gc.getSpec());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.GatewayClass gc) {
      view = gatewayClass(meta(gc.getMetadata(), ""), gc.getSpec());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway g) {
      view = gateway(meta(g.getMetadata(), defaultNamespace), g.getSpec());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.Gateway g) {
      view = gateway(meta(g.getMetadata(), defaultNamespace), g.getSpec());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSet ls) {
      view = listenerSet(meta(ls.getMetadata(), defaultNamespace), ls.getSpec());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute r) {
      var s = r.getSpec();
      view = route(Kind.TLS_ROUTE, meta(r.getMetadata(), defaultNamespace), r.getApiVersion(), s.getParentRefs(),
          s.getHostnames(), backends(s.getRules(), TLSRouteRule::getBackendRefs, ModelAdapter::backendRef), List.of());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha3.TLSRoute r) {
      var s = r.getSpec();
      view = route(Kind.TLS_ROUTE, meta(r.getMetadata(), defaultNamespace), r.getApiVersion(), s.getParentRefs(),
          s.getHostnames(), backends(s.getRules(), TLSRouteRule::getBackendRefs, ModelAdapter::backendRef), List.of());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute r) {
      var s = r.getSpec();
      view = route(Kind.TLS_ROUTE, meta(r.getMetadata(), defaultNamespace), r.getApiVersion(), s.getParentRefs(),
          s.getHostnames(), backends(s.getRules(),
              io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRouteRule::getBackendRefs, ModelAdapter::backendRef), List.of());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRoute r) {
      var s = r.getSpec();
      view = route(Kind.TCP_ROUTE, meta(r.getMetadata(), defaultNamespace), r.getApiVersion(), s.getParentRefs(),
          List.of(), backends(s.getRules(), io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRouteRule::getBackendRefs,
              ModelAdapter::backendRef), List.of());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRoute r) {
      var s = r.getSpec();
      view = route(Kind.TCP_ROUTE, meta(r.getMetadata(), defaultNamespace), r.getApiVersion(), s.getParentRefs(),
          List.of(), backends(s.getRules(), io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRouteRule::getBackendRefs,
              ModelAdapter::backendRef), List.of());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRoute r) {
      var s = r.getSpec();
      view = route(Kind.UDP_ROUTE, meta(r.getMetadata(), defaultNamespace), r.getApiVersion(), s.getParentRefs(),
          List.of(), backends(s.getRules(), io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRouteRule::getBackendRefs,
              ModelAdapter::backendRef), List.of());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.UDPRoute r) {
      var s = r.getSpec();
      view = route(Kind.UDP_ROUTE, meta(r.getMetadata(), defaultNamespace), r.getApiVersion(), s.getParentRefs(),
          List.of(), backends(s.getRules(), io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.UDPRouteRule::getBackendRefs,
              ModelAdapter::backendRef), List.of());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute r) {
      var s = r.getSpec();
      view = route(Kind.HTTP_ROUTE, meta(r.getMetadata(), defaultNamespace), r.getApiVersion(), s.getParentRefs(),
          s.getHostnames(), backends(s.getRules(), HTTPRouteRule::getBackendRefs, ModelAdapter::httpBackendRef),
          HttpRuleAdapter.rules(s.getRules()));
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.HTTPRoute r) {
      var s = r.getSpec();
      view = route(Kind.HTTP_ROUTE, meta(r.getMetadata(), defaultNamespace), r.getApiVersion(), s.getParentRefs(),
          s.getHostnames(), backends(s.getRules(), HTTPRouteRule::getBackendRefs, ModelAdapter::httpBackendRef),
          HttpRuleAdapter.rules(s.getRules()));
    } else if (obj instanceof io.fabric8.kubernetes.api.model.ConfigMap cm) {
      view = new ConfigMapView(meta(cm.getMetadata(), defaultNamespace),
          cm.getData() == null ? null : cm.getData().get("ca.crt"));
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicy p) {
      view = backendTlsPolicy(meta(p.getMetadata(), defaultNamespace), p.getSpec());
    } else if (obj instanceof dev.passage.resources.api.TrafficPolicy p) {
      view = trafficPolicy(meta(p.getMetadata(), defaultNamespace), p.getSpec());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.Secret secret) {
      view = secret(meta(secret.getMetadata(), defaultNamespace), secret);
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant g) {
      view = grant(meta(g.getMetadata(), defaultNamespace), g.getSpec());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant g) {
      view = grant(meta(g.getMetadata(), defaultNamespace), g.getSpec());
    } else if (obj instanceof io.fabric8.kubernetes.api.model.Service s) {
      view = service(meta(s.getMetadata(), defaultNamespace), s);
    } else if (obj instanceof EndpointSlice es) {
      view = endpointSlice(meta(es.getMetadata(), defaultNamespace), es);
    } else if (obj instanceof io.fabric8.kubernetes.api.model.Namespace ns) {
      view = new NamespaceView(meta(ns.getMetadata(), ""));
    } else {
      return Optional.empty();
    }
    return Optional.of(view);
  }

  static Meta meta(ObjectMeta m, String defaultNamespace) {
    Objects.requireNonNull(m, "metadata is required");
    if (m.getName() == null || m.getName().isBlank()) {
      throw new IllegalArgumentException("metadata.name is required");
    }
    String ns = m.getNamespace() == null || m.getNamespace().isBlank() ? defaultNamespace : m.getNamespace();
    long generation = m.getGeneration() == null ? 1L : m.getGeneration();
    return new Meta(ns, m.getName(), generation, timestamp(m.getCreationTimestamp()), m.getLabels(), m.getUid());
  }

  private static Instant timestamp(String t) {
    if (t == null || t.isBlank()) return Instant.EPOCH;
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("metadata.creationTimestamp is not RFC 3339: " + t);
    }
  }

  private static GatewayView gateway(Meta meta, GatewaySpec spec) {
    Objects.requireNonNull(spec, "spec is required");
    List<GatewayView.Listener> listeners = new ArrayList<>();
    for (Listener l : nullSafe(spec.getListeners())) {
      listeners.add(listener(l.getName(), l.getHostname(), l.getPort(), l.getProtocol(), l.getTls(), l.getAllowedRoutes()));
    }
    List<String> addresses = nullSafe(spec.getAddresses()).stream()
        .map(GatewaySpecAddress::getValue).filter(v -> v != null && !v.isBlank()).toList();
    var infra = spec.getInfrastructure() == null ? null : spec.getInfrastructure().getParametersRef();
    String params = infra == null ? null : infra.getGroup() + "/" + infra.getKind() + " " + infra.getName();
    var allowed = spec.getAllowedListeners() == null ? null : spec.getAllowedListeners().getNamespaces();
    GatewayView.AllowedListeners allowedListeners = allowed == null ? GatewayView.AllowedListeners.NONE
        : new GatewayView.AllowedListeners(allowed.getFrom(), selector(allowed.getSelector()));
    return new GatewayView(meta, spec.getGatewayClassName(), listeners, addresses, params,
        frontend(spec.getTls() == null ? null : spec.getTls().getFrontend()), backendClientCertificate(spec),
        allowedListeners);
  }

  private static GatewayView.Listener listener(String name, String hostname, Integer port, String protocol,
                                               io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerTLSConfig tls,
                                               AllowedRoutes allowedRoutes) {
    String mode = null;
    List<GatewayView.SecretRef> certs = List.of();
    if (tls != null) {
      mode = tls.getMode();
      certs = nullSafe(tls.getCertificateRefs()).stream().map(ModelAdapter::secretRef).toList();
    }
    return new GatewayView.Listener(name, blankToNull(hostname), port == null ? 0 : port, protocol, mode,
        allowedRoutes(allowedRoutes), certs);
  }

  private static ListenerSetView listenerSet(Meta meta, io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerSetSpec spec) {
    Objects.requireNonNull(spec, "spec is required");
    var p = spec.getParentRef();
    if (p == null || p.getName() == null || p.getName().isBlank()) throw new IllegalArgumentException("spec.parentRef.name is required");
    boolean gateway = (p.getGroup() == null || GroupKind.GATEWAY_GROUP.equals(p.getGroup()))
        && (p.getKind() == null || "Gateway".equals(p.getKind()));
    NamespacedName parent = gateway
        ? new NamespacedName(p.getNamespace() == null || p.getNamespace().isBlank() ? meta.namespace() : p.getNamespace(), p.getName())
        : null;
    List<GatewayView.Listener> listeners = new ArrayList<>();
    for (var l : nullSafe(spec.getListeners())) {
      listeners.add(listener(l.getName(), l.getHostname(), l.getPort(), l.getProtocol(), l.getTls(), l.getAllowedRoutes()));
    }
    return new ListenerSetView(meta, parent, listeners);
  }

  private static GatewayView.SecretRef backendClientCertificate(GatewaySpec spec) {
    var backend = spec.getTls() == null ? null : spec.getTls().getBackend();
    if (backend == null || backend.getClientCertificateRef() == null) return null;
    return secretRef(backend.getClientCertificateRef());
  }

  private static GatewayView.Frontend frontend(io.fabric8.kubernetes.api.model.gatewayapi.v1.FrontendTLSConfig f) {
    if (f == null) return GatewayView.Frontend.NONE;
    java.util.Map<Integer, GatewayView.Validation> perPort = new java.util.TreeMap<>();
    for (var p : nullSafe(f.getPerPort())) {
      if (p.getPort() != null) perPort.put(p.getPort(), validation(p.getTls()));
    }
    return new GatewayView.Frontend(validation(f.getDefault()), perPort);
  }

  private static GatewayView.Validation validation(io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSConfig tls) {
    if (tls == null || tls.getValidation() == null) return null;
    var v = tls.getValidation();
    return new GatewayView.Validation(nullSafe(v.getCaCertificateRefs()).stream()
        .map(r -> new GatewayView.SecretRef(r.getGroup() == null ? "" : r.getGroup(), r.getKind() == null ? "" : r.getKind(),
            blankToNull(r.getNamespace()), r.getName()))
        .toList(), v.getMode());
  }

  private static GatewayView.SecretRef secretRef(SecretObjectReference r) {
    return new GatewayView.SecretRef(r.getGroup() == null ? "" : r.getGroup(),
        r.getKind() == null ? "Secret" : r.getKind(), r.getNamespace(), r.getName());
  }

  private static GatewayView.AllowedRoutes allowedRoutes(AllowedRoutes ar) {
    if (ar == null) return GatewayView.AllowedRoutes.DEFAULT;
    String from = ar.getNamespaces() == null ? null : ar.getNamespaces().getFrom();
    LabelSelector selector = ar.getNamespaces() == null ? null : selector(ar.getNamespaces().getSelector());
    List<GroupKind> kinds = nullSafe(ar.getKinds()).stream()
        .map((RouteGroupKind k) -> new GroupKind(k.getGroup(), k.getKind())).toList();
    return new GatewayView.AllowedRoutes(from, selector, kinds);
  }

  private static LabelSelector selector(io.fabric8.kubernetes.api.model.LabelSelector s) {
    if (s == null) return null;
    List<LabelSelector.Requirement> reqs = nullSafe(s.getMatchExpressions()).stream()
        .map((LabelSelectorRequirement r) -> new LabelSelector.Requirement(r.getKey(), r.getOperator(), r.getValues()))
        .toList();
    return new LabelSelector(s.getMatchLabels(), reqs);
  }

  private static <R, B> List<RouteView.BackendRef> backends(List<R> rules, Function<R, List<B>> refs,
                                                            Function<B, RouteView.BackendRef> convert) {
    List<RouteView.BackendRef> all = new ArrayList<>();
    for (R rule : nullSafe(rules)) {
      for (B ref : nullSafe(refs.apply(rule))) all.add(convert.apply(ref));
    }
    return all;
  }

  private static RouteView.BackendRef backendRef(BackendRef b) {
    return new RouteView.BackendRef(b.getGroup(), b.getKind(), blankToNull(b.getNamespace()), b.getName(),
        b.getPort(), b.getWeight() == null ? 1 : b.getWeight());
  }

  static RouteView.BackendRef httpBackendRef(HTTPBackendRef b) {
    return new RouteView.BackendRef(b.getGroup(), b.getKind(), blankToNull(b.getNamespace()), b.getName(),
        b.getPort(), b.getWeight() == null ? 1 : b.getWeight());
  }

  private static GatewayClassView gatewayClass(Meta meta, GatewayClassSpec spec) {
    Objects.requireNonNull(spec, "spec is required");
    ParametersReference p = spec.getParametersRef();
    String params = p == null ? null
        : p.getGroup() + "/" + p.getKind() + " " + (p.getNamespace() == null ? "" : p.getNamespace() + "/") + p.getName();
    return new GatewayClassView(meta, spec.getControllerName(), params);
  }

  private static SecretView secret(Meta meta, io.fabric8.kubernetes.api.model.Secret s) {
    byte[] ticketKey = secretBytes(s, "ticket-key");
    return new SecretView(meta, s.getType(), secretText(s, "tls.crt"), secretText(s, "tls.key"),
        ticketKey == null ? null : java.util.Base64.getEncoder().encodeToString(ticketKey));
  }

  /** A data entry (base64) or stringData entry (its UTF-8 bytes) as bytes; null when absent or not base64. */
  private static byte[] secretBytes(io.fabric8.kubernetes.api.model.Secret s, String key) {
    if (s.getStringData() != null && s.getStringData().get(key) != null) {
      return s.getStringData().get(key).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    if (s.getData() == null || s.getData().get(key) == null) return null;
    try {
      return java.util.Base64.getMimeDecoder().decode(s.getData().get(key));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A data entry (base64) or stringData entry as text; null when absent or not base64. */
  private static String secretText(io.fabric8.kubernetes.api.model.Secret s, String key) {
    byte[] bytes = secretBytes(s, key);
    return bytes == null ? null : new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static RouteView route(Kind kind, Meta meta, String apiVersion, List<ParentReference> parents,
                                 List<String> hostnames, List<RouteView.BackendRef> backendRefs,
                                 List<HttpRuleView> httpRules) {
    List<RouteView.ParentRef> parentRefs = nullSafe(parents).stream()
        .map(p -> new RouteView.ParentRef(p.getGroup(), p.getKind(), blankToNull(p.getNamespace()), p.getName(),
            blankToNull(p.getSectionName()), p.getPort()))
        .toList();
    return new RouteView(kind, meta, apiVersion, parentRefs, nullSafe(hostnames), backendRefs, httpRules);
  }

  private static BackendTlsPolicyView backendTlsPolicy(Meta meta,
                                                      io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendTLSPolicySpec spec) {
    Objects.requireNonNull(spec, "spec is required");
    var targets = nullSafe(spec.getTargetRefs()).stream()
        .map(t -> new BackendTlsPolicyView.TargetRef(emptyIfNull(t.getGroup()), t.getKind(), t.getName(),
            blankToNull(t.getSectionName())))
        .toList();
    var v = spec.getValidation();
    if (v == null) throw new IllegalArgumentException("spec.validation is required");
    var cas = nullSafe(v.getCaCertificateRefs()).stream()
        .map(r -> new BackendTlsPolicyView.CaRef(emptyIfNull(r.getGroup()), r.getKind(), r.getName())).toList();
    var sans = nullSafe(v.getSubjectAltNames()).stream()
        .map(n -> new BackendTlsPolicyView.SubjectAltName(n.getType(),
            "URI".equals(n.getType()) ? n.getUri() : n.getHostname()))
        .toList();
    return new BackendTlsPolicyView(meta, targets, cas, blankToNull(v.getWellKnownCACertificates()), v.getHostname(), sans);
  }

  private static TrafficPolicyView trafficPolicy(Meta meta, dev.passage.resources.api.TrafficPolicy.Spec spec) {
    Objects.requireNonNull(spec, "spec is required");
    var targets = nullSafe(spec.targetRefs).stream()
        .map(t -> new TrafficPolicyView.TargetRef(emptyIfNull(t.group), t.kind, t.name, blankToNull(t.sectionName)))
        .toList();
    var pp = spec.proxyProtocol == null ? null
        : new TrafficPolicyView.ProxyProtocol(spec.proxyProtocol.version, spec.proxyProtocol.tlvs);
    var hc = spec.healthCheck;
    var health = hc == null ? null : new TrafficPolicyView.HealthCheck(hc.interval, hc.timeout, hc.unhealthyThreshold,
        hc.healthyThreshold, hc.tls == null ? null : blankToNull(hc.tls.sni), hc.tls != null);
    var od = spec.outlierDetection;
    var outlier = od == null ? null
        : new TrafficPolicyView.OutlierDetection(od.consecutiveConnectFailures, od.ejectionTime, od.maxEjectedPercent);
    var c = spec.connections;
    var connections = c == null ? null : new TrafficPolicyView.Connections(c.maxConcurrent, c.maxPerSecond);
    var d = spec.drain;
    var drain = d == null ? null : new TrafficPolicyView.Drain(d.mode, d.within);
    return new TrafficPolicyView(meta, targets, pp, health, outlier, connections, drain);
  }

  private static ReferenceGrantView grant(Meta meta, ReferenceGrantSpec spec) {
    Objects.requireNonNull(spec, "spec is required");
    var from = nullSafe(spec.getFrom()).stream()
        .map(f -> new ReferenceGrantView.From(emptyIfNull(f.getGroup()), f.getKind(), f.getNamespace())).toList();
    var to = nullSafe(spec.getTo()).stream()
        .map(t -> new ReferenceGrantView.To(emptyIfNull(t.getGroup()), t.getKind(), blankToNull(t.getName()))).toList();
    return new ReferenceGrantView(meta, from, to);
  }

  private static ServiceView service(Meta meta, io.fabric8.kubernetes.api.model.Service s) {
    var spec = s.getSpec();
    List<ServiceView.Port> ports = new ArrayList<>();
    String type = "ClusterIP";
    if (spec != null) {
      type = spec.getType() == null ? "ClusterIP" : spec.getType();
      for (var p : nullSafe(spec.getPorts())) {
        IntOrString target = p.getTargetPort();
        Integer targetNumber = null;
        String targetName = null;
        if (target == null) {
          targetNumber = p.getPort(); // Kubernetes defaults targetPort to port
        } else if (target.getIntVal() != null) {
          targetNumber = target.getIntVal();
        } else {
          targetName = target.getStrVal();
        }
        ports.add(new ServiceView.Port(p.getName(), p.getPort() == null ? 0 : p.getPort(), p.getProtocol(),
            targetNumber, targetName));
      }
    }
    String clusterIp = spec == null || "None".equals(spec.getClusterIP()) ? null : spec.getClusterIP();
    List<String> ingress = new ArrayList<>();
    if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null) {
      for (var i : nullSafe(s.getStatus().getLoadBalancer().getIngress())) {
        if (i.getIp() != null && !i.getIp().isBlank()) ingress.add(i.getIp());
        else if (i.getHostname() != null && !i.getHostname().isBlank()) ingress.add(i.getHostname());
      }
    }
    Map<String, String> selector = spec == null || spec.getSelector() == null ? Map.of() : spec.getSelector();
    List<String> externalIps = spec == null ? List.of() : nullSafe(spec.getExternalIPs());
    return new ServiceView(meta, type, ports, selector, clusterIp, externalIps, ingress);
  }

  private static EndpointSliceView endpointSlice(Meta meta, EndpointSlice es) {
    String service = meta.labels().get("kubernetes.io/service-name");
    var ports = nullSafe(es.getPorts()).stream()
        .map(p -> new EndpointSliceView.Port(p.getName(), p.getPort() == null ? 0 : p.getPort(), p.getProtocol()))
        .toList();
    var endpoints = nullSafe(es.getEndpoints()).stream()
        .map(e -> new EndpointSliceView.Endpoint(nullSafe(e.getAddresses()),
            e.getConditions() == null || e.getConditions().getReady() == null || e.getConditions().getReady()))
        .toList();
    return new EndpointSliceView(meta, service, ports, endpoints);
  }

  static <T> List<T> nullSafe(List<T> l) {
    return l == null ? List.of() : l;
  }

  static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static String emptyIfNull(String s) {
    return s == null ? "" : s;
  }
}
