package dev.passage.rules;

import dev.passage.table.BackendKey;
import dev.passage.resources.GatewayView;
import dev.passage.resources.GroupKind;
import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import dev.passage.resources.ServiceView;
import dev.passage.resources.TrafficPolicyView;
import dev.passage.table.BackendPolicy;
import dev.passage.table.ConnectionPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Passage's TrafficPolicy (passage.dev/v1alpha1), attached as GEP-713 says.
 *
 * <ul>
 *   <li>Targets: a Service (sectionName: one of its ports, by name) takes proxyProtocol,
 *       healthCheck and outlierDetection; a Gateway (sectionName: one of its own listeners) takes
 *       connections; a TLSRoute or TCPRoute takes connections and drain. A policy that sets a
 *       field one of its targets cannot take, names a kind no TrafficPolicy can target, or holds a
 *       value out of range is Accepted=False, Invalid (the field named), and applies nowhere.</li>
 *   <li>Among valid policies naming the same object and section, the oldest (creationTimestamp,
 *       then namespace/name) applies there; the others are Accepted=False, Conflicted, there.</li>
 *   <li>The most specific target wins field by field: a route's over its listener's over its
 *       Gateway's; a Service port's over the whole Service's. A connection limit counts the
 *       connections of the object whose policy set it, per node.</li>
 *   <li>status.ancestors[]: the Gateways of Passage's class through which a target is served (a
 *       Gateway itself; a route's parents; the parents of the routes naming a Service), or, while
 *       there is none, the target itself, so that every policy says something. Each entry has
 *       Accepted: the worst of its targets' (Invalid, TargetNotFound, Conflicted, Accepted). At
 *       most 16 entries.</li>
 * </ul>
 */
public final class TrafficPolicyRules {
  static final int MAX_ANCESTORS = 16;
  static final long DEFAULT_INTERVAL_MILLIS = 5_000;
  static final long DEFAULT_TIMEOUT_MILLIS = 1_000;
  static final int DEFAULT_THRESHOLD = 2;
  static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
  static final long DEFAULT_EJECTION_MILLIS = 30_000;
  static final int DEFAULT_MAX_EJECTED_PERCENT = 10;
  static final long DEFAULT_DRAIN_MILLIS = 30_000;
  private static final List<String> TLVS = List.of(BackendPolicy.AUTHORITY, BackendPolicy.ALPN, BackendPolicy.UNIQUE_ID);

  private static final java.util.regex.Pattern HOSTNAME = java.util.regex.Pattern.compile(
      "(?i)(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*");

  private TrafficPolicyRules() {}

  private static final Comparator<TrafficPolicyView> PRECEDENCE = Comparator
      .comparing((TrafficPolicyView p) -> p.meta().creationTimestamp())
      .thenComparing(p -> p.meta().namespace())
      .thenComparing(p -> p.meta().name());

  /** The policy that applies to an object and section (null: the whole object): the oldest valid one naming exactly that. */
  static Optional<TrafficPolicyView> winner(ResourceIndex index, ObjectKey target, String section) {
    return index.trafficPolicies(target).stream().filter(p -> names(p, target, section))
        .filter(p -> invalidity(p) == null).min(PRECEDENCE);
  }

  private static boolean names(TrafficPolicyView p, ObjectKey target, String section) {
    return p.targetRefs().stream().anyMatch(t -> t.target(p.meta().namespace()).filter(target::equals).isPresent()
        && Objects.equals(t.sectionName(), section));
  }

  // ---- what the route table carries ----

  /** The Service-target fields for a Service port (its port's policy over its Service's), or null. UDP ports take none. */
  public static BackendPolicy forBackend(ResourceIndex index, BackendKey key) {
    if (key.udp()) return null; // no connect to check, eject or prefix: datagrams go as they are
    ObjectKey service = ObjectKey.of(Kind.SERVICE, key.namespace(), key.service());
    if (index.trafficPolicies(service).isEmpty()) return null;
    String portName = BackendRules.servicePortName(index, key);
    TrafficPolicyView port = portName == null ? null : winner(index, service, portName).orElse(null);
    TrafficPolicyView whole = winner(index, service, null).orElse(null);
    Set<String> from = new LinkedHashSet<>();
    TrafficPolicyView.ProxyProtocol pp = pick(port, whole, TrafficPolicyView::proxyProtocol, from);
    TrafficPolicyView.HealthCheck hc = pick(port, whole, TrafficPolicyView::healthCheck, from);
    TrafficPolicyView.OutlierDetection od = pick(port, whole, TrafficPolicyView::outlierDetection, from);
    if (from.isEmpty()) return null;
    return new BackendPolicy(List.copyOf(from), pp == null ? null : pp.tlvs(), healthCheck(hc), outlier(od));
  }

  private static <T> T pick(TrafficPolicyView more, TrafficPolicyView less,
                            java.util.function.Function<TrafficPolicyView, T> field, Set<String> from) {
    for (TrafficPolicyView p : new TrafficPolicyView[] {more, less}) {
      if (p != null && field.apply(p) != null) {
        from.add(p.meta().ref().toString());
        return field.apply(p);
      }
    }
    return null;
  }

  private static BackendPolicy.HealthCheck healthCheck(TrafficPolicyView.HealthCheck h) {
    if (h == null) return null;
    return new BackendPolicy.HealthCheck(orDefault(h.interval(), DEFAULT_INTERVAL_MILLIS),
        orDefault(h.timeout(), DEFAULT_TIMEOUT_MILLIS),
        h.unhealthyThreshold() == null ? DEFAULT_THRESHOLD : h.unhealthyThreshold(),
        h.healthyThreshold() == null ? DEFAULT_THRESHOLD : h.healthyThreshold(), h.tls() ? h.tlsSni() : null);
  }

  private static BackendPolicy.OutlierDetection outlier(TrafficPolicyView.OutlierDetection o) {
    if (o == null) return null;
    return new BackendPolicy.OutlierDetection(
        o.consecutiveConnectFailures() == null ? DEFAULT_CONSECUTIVE_FAILURES : o.consecutiveConnectFailures(),
        orDefault(o.ejectionTime(), DEFAULT_EJECTION_MILLIS),
        o.maxEjectedPercent() == null ? DEFAULT_MAX_EJECTED_PERCENT : o.maxEjectedPercent());
  }

  private static long orDefault(String duration, long otherwise) {
    return duration == null ? otherwise : Durations.millis(duration);
  }

  /**
   * The connection policy of one listener of a Gateway: a policy naming the listener over one
   * naming the Gateway; own is false for a ListenerSet's listener (a sectionName names only the
   * Gateway's own), which takes the Gateway's. null when none applies.
   */
  public static ConnectionPolicy forListener(ResourceIndex index, NamespacedName gateway, String listener, boolean own) {
    ObjectKey g = ObjectKey.of(Kind.GATEWAY, gateway.namespace(), gateway.name());
    if (index.trafficPolicies(g).isEmpty()) return null;
    ConnectionPolicy whole = winner(index, g, null).map(p -> connections(p, "Gateway " + gateway)).orElse(null);
    ConnectionPolicy section = own
        ? winner(index, g, listener).map(p -> connections(p, "Listener " + gateway + "/" + listener)).orElse(null) : null;
    return ConnectionPolicy.merge(section, whole);
  }

  /** A TLSRoute's or TCPRoute's own connection policy (limits and drain), or null. */
  public static ConnectionPolicy forRoute(ResourceIndex index, ObjectKey route) {
    if (route.kind() != Kind.TLS_ROUTE && route.kind() != Kind.TCP_ROUTE) return null;
    if (index.trafficPolicies(route).isEmpty()) return null;
    return winner(index, route, null).map(p -> {
      ConnectionPolicy limits = connections(p, route.toString());
      ConnectionPolicy.Drain drain = p.drain() == null ? null : new ConnectionPolicy.Drain(
          ConnectionPolicy.DrainMode.valueOf(p.drain().mode()), orDefault(p.drain().within(), DEFAULT_DRAIN_MILLIS));
      return ConnectionPolicy.merge(new ConnectionPolicy(null, null, drain), limits);
    }).orElse(null);
  }

  private static ConnectionPolicy connections(TrafficPolicyView p, String scope) {
    TrafficPolicyView.Connections c = p.connections();
    if (c == null) return null;
    ConnectionPolicy out = new ConnectionPolicy(
        c.maxConcurrent() == null ? null : new ConnectionPolicy.Limit(scope, c.maxConcurrent()),
        c.maxPerSecond() == null ? null : new ConnectionPolicy.Limit(scope, c.maxPerSecond()), null);
    return out.empty() ? null : out;
  }

  // ---- validity ----

  /** Why a policy applies nowhere, naming the field (its targets' kinds, its values), or null when it is valid. */
  public static String invalidity(TrafficPolicyView p) {
    if (p.targetRefs().isEmpty()) return "spec.targetRefs: at least one target is required";
    for (int i = 0; i < p.targetRefs().size(); i++) {
      TrafficPolicyView.TargetRef t = p.targetRefs().get(i);
      String at = "spec.targetRefs[" + i + "]";
      if (t.name() == null || t.name().isBlank()) return at + ".name is required";
      Kind k = t.targetKind();
      if (k == null) {
        return at + ": " + (t.group().isEmpty() ? "" : t.group() + "/") + t.kind()
            + " cannot be targeted (Gateway, TLSRoute, TCPRoute or core Service)";
      }
      if ((k == Kind.TLS_ROUTE || k == Kind.TCP_ROUTE) && t.sectionName() != null) {
        return at + ".sectionName: a " + k.kindName() + " target takes none";
      }
      String field = fieldNotFor(p, k);
      if (field != null) return "spec." + field + " cannot apply to a " + k.kindName() + " target (" + at + ")";
    }
    String values = valueProblem(p);
    return values;
  }

  /** The first field a target of this kind cannot take, or null. */
  private static String fieldNotFor(TrafficPolicyView p, Kind k) {
    boolean service = k == Kind.SERVICE;
    boolean route = k == Kind.TLS_ROUTE || k == Kind.TCP_ROUTE;
    if (!service && p.proxyProtocol() != null) return "proxyProtocol";
    if (!service && p.healthCheck() != null) return "healthCheck";
    if (!service && p.outlierDetection() != null) return "outlierDetection";
    if (service && p.connections() != null) return "connections";
    if (!route && p.drain() != null) return "drain";
    return null;
  }

  private static String valueProblem(TrafficPolicyView p) {
    var pp = p.proxyProtocol();
    if (pp != null) {
      if (pp.version() != null && !"V2".equals(pp.version())) {
        return "spec.proxyProtocol.version " + pp.version() + " is not supported (V2 is)";
      }
      Set<String> seen = new HashSet<>();
      for (String tlv : pp.tlvs()) {
        if (!TLVS.contains(tlv)) return "spec.proxyProtocol.tlvs: " + tlv + " is not one of " + String.join(", ", TLVS);
        if (!seen.add(tlv)) return "spec.proxyProtocol.tlvs: " + tlv + " is listed twice";
      }
    }
    var hc = p.healthCheck();
    if (hc != null) {
      String d = durationProblem("spec.healthCheck.interval", hc.interval(), 100);
      if (d == null) d = durationProblem("spec.healthCheck.timeout", hc.timeout(), 10);
      if (d != null) return d;
      long interval = orDefault(hc.interval(), DEFAULT_INTERVAL_MILLIS);
      long timeout = orDefault(hc.timeout(), DEFAULT_TIMEOUT_MILLIS);
      if (timeout > interval) return "spec.healthCheck.timeout " + timeout + " ms exceeds the interval (" + interval + " ms)";
      String n = atLeastOne("spec.healthCheck.unhealthyThreshold", hc.unhealthyThreshold());
      if (n == null) n = atLeastOne("spec.healthCheck.healthyThreshold", hc.healthyThreshold());
      if (n != null) return n;
      if (hc.tls() && (hc.tlsSni() == null || !HOSTNAME.matcher(hc.tlsSni()).matches())) {
        return "spec.healthCheck.tls.sni " + (hc.tlsSni() == null ? "is required" : hc.tlsSni() + " is not a hostname");
      }
    }
    var od = p.outlierDetection();
    if (od != null) {
      String n = atLeastOne("spec.outlierDetection.consecutiveConnectFailures", od.consecutiveConnectFailures());
      if (n == null) n = durationProblem("spec.outlierDetection.ejectionTime", od.ejectionTime(), 1);
      if (n != null) return n;
      if (od.maxEjectedPercent() != null && (od.maxEjectedPercent() < 0 || od.maxEjectedPercent() > 100)) {
        return "spec.outlierDetection.maxEjectedPercent " + od.maxEjectedPercent() + " is not between 0 and 100";
      }
    }
    var c = p.connections();
    if (c != null) {
      if (c.maxConcurrent() == null && c.maxPerSecond() == null) return "spec.connections sets neither maxConcurrent nor maxPerSecond";
      String n = atLeastOne("spec.connections.maxConcurrent", c.maxConcurrent());
      if (n == null) n = atLeastOne("spec.connections.maxPerSecond", c.maxPerSecond());
      if (n != null) return n;
    }
    var d = p.drain();
    if (d != null) {
      if (d.mode() == null) return "spec.drain.mode is required (Keep, Close or Drain)";
      if (!List.of("Keep", "Close", "Drain").contains(d.mode())) {
        return "spec.drain.mode " + d.mode() + " is not Keep, Close or Drain";
      }
      String w = durationProblem("spec.drain.within", d.within(), 1);
      if (w != null) return w;
    }
    return null;
  }

  private static String durationProblem(String field, String value, long minimumMillis) {
    if (value == null) return null;
    long ms = Durations.millis(value);
    if (ms < 0) return field + " " + value + " is not a duration (such as 2s, 500ms, 1m)";
    if (ms < minimumMillis) return field + " " + value + " is shorter than " + minimumMillis + "ms";
    return null;
  }

  private static String atLeastOne(String field, Integer value) {
    return value != null && value < 1 ? field + " " + value + " is less than 1" : null;
  }

  // ---- status ----

  /** How a policy stands at one ancestor; the later in this order, the worse. */
  private enum Verdict { Accepted, Conflicted, TargetNotFound, Invalid }

  private record Said(Verdict verdict, String message) {}

  /** A policy's status: one entry per ancestor (see the class comment), each with its Accepted condition. */
  public static PolicyStatus status(TrafficPolicyView p, ResourceIndex index, RulesSettings settings) {
    long gen = p.meta().generation();
    String invalid = invalidity(p);
    Map<RouteStatus.ParentRef, Said> byAncestor = new TreeMap<>(ANCESTOR_ORDER);
    Set<List<String>> done = new HashSet<>();
    for (TrafficPolicyView.TargetRef t : p.targetRefs()) {
      if (!done.add(java.util.Arrays.asList(t.group(), t.kind(), t.name(), t.sectionName()))) continue;
      String ns = p.meta().namespace();
      RouteStatus.ParentRef itself = new RouteStatus.ParentRef(t.group(), t.kind(), ns, t.name(), null, null);
      Optional<ObjectKey> target = t.target(ns);
      if (target.isEmpty()) { // only an invalid policy has such a target
        worst(byAncestor, itself, new Said(Verdict.Invalid, invalid));
        continue;
      }
      Said said = invalid != null ? new Said(Verdict.Invalid, invalid) : judgeTarget(p, target.get(), t.sectionName(), index, settings);
      List<NamespacedName> gateways = ancestors(target.get(), index, settings);
      if (gateways.isEmpty()) {
        worst(byAncestor, itself, said);
      } else {
        for (NamespacedName g : gateways) {
          worst(byAncestor, new RouteStatus.ParentRef(GroupKind.GATEWAY_GROUP, "Gateway", g.namespace(), g.name(), null, null), said);
        }
      }
    }
    List<PolicyStatus.Ancestor> out = new ArrayList<>();
    byAncestor.forEach((ref, said) -> {
      if (out.size() >= MAX_ANCESTORS) return;
      Condition accepted = said.verdict() == Verdict.Accepted ? Condition.isTrue("Accepted", "Accepted", "", gen)
          : Condition.isFalse("Accepted", said.verdict().name(), said.message(), gen);
      out.add(new PolicyStatus.Ancestor(ref, settings.controllerName(), List.of(accepted)));
    });
    return new PolicyStatus(out);
  }

  private static final Comparator<RouteStatus.ParentRef> ANCESTOR_ORDER = Comparator
      .comparing((RouteStatus.ParentRef r) -> !"Gateway".equals(r.kind())) // Gateways first
      .thenComparing(RouteStatus.ParentRef::kind).thenComparing(RouteStatus.ParentRef::namespace)
      .thenComparing(RouteStatus.ParentRef::name).thenComparing(r -> r.group() == null ? "" : r.group());

  private static void worst(Map<RouteStatus.ParentRef, Said> byAncestor, RouteStatus.ParentRef ref, Said said) {
    byAncestor.merge(ref, said, (a, b) -> b.verdict().compareTo(a.verdict()) > 0 ? b : a);
  }

  /** A valid policy at one of its targets: not there, or lost to an older policy, or applied. */
  private static Said judgeTarget(TrafficPolicyView p, ObjectKey target, String section, ResourceIndex index,
                                  RulesSettings settings) {
    Optional<dev.passage.resources.Resource> object = index.get(target);
    String what = target.toString();
    if (object.isEmpty()) return new Said(Verdict.TargetNotFound, what + " does not exist");
    if (object.get() instanceof GatewayView g) {
      if (!GatewayRules.isServedBy(g, index, settings)) {
        return new Said(Verdict.TargetNotFound, what + " is not of a GatewayClass Passage serves");
      }
      if (section != null && g.listeners().stream().noneMatch(l -> section.equals(l.name()))) {
        return new Said(Verdict.TargetNotFound, what + " has no listener " + section);
      }
    }
    if (object.get() instanceof ServiceView s && section != null
        && s.ports().stream().noneMatch(port -> section.equals(port.name()))) {
      return new Said(Verdict.TargetNotFound, what + " has no port named " + section);
    }
    TrafficPolicyView winner = winner(index, target, section).orElse(p);
    if (!winner.key().equals(p.key())) {
      return new Said(Verdict.Conflicted, "TrafficPolicy " + winner.meta().ref() + " is older and targets " + what
          + (section == null ? "" : " section " + section) + " too");
    }
    return new Said(Verdict.Accepted, "");
  }

  /** The Gateways of Passage's class through which a target is served, by namespace and name. */
  static List<NamespacedName> ancestors(ObjectKey target, ResourceIndex index, RulesSettings settings) {
    Set<NamespacedName> out = new java.util.TreeSet<>();
    switch (target.kind()) {
      case GATEWAY -> index.gateway(target.namespace(), target.name())
          .filter(g -> GatewayRules.isServedBy(g, index, settings)).ifPresent(g -> out.add(g.meta().ref()));
      case TLS_ROUTE, TCP_ROUTE -> index.get(target).map(RouteView.class::cast)
          .ifPresent(r -> servedParents(r, index, settings, out));
      case SERVICE -> {
        for (RouteView r : index.routesNaming(target.namespace(), target.name())) servedParents(r, index, settings, out);
      }
      default -> { }
    }
    return List.copyOf(out);
  }

  private static void servedParents(RouteView r, ResourceIndex index, RulesSettings settings, Set<NamespacedName> out) {
    for (NamespacedName g : GatewayRules.parents(r, index)) {
      index.gateway(g.namespace(), g.name()).filter(v -> GatewayRules.isServedBy(v, index, settings)).ifPresent(v -> out.add(g));
    }
  }
}
