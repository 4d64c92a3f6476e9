package dev.passage.rules;

import dev.passage.table.BackendTls;
import dev.passage.table.BackendKey;
import dev.passage.resources.BackendTlsPolicyView;
import dev.passage.resources.GatewayView;
import dev.passage.resources.GroupKind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * BackendTLSPolicy (GEP-1897, gateway.networking.k8s.io/v1): which policy covers a Service port,
 * what the route table carries for it ({@link BackendTls}), and the policy's status.
 *
 * <ul>
 *   <li>A targetRef names a core Service, and with sectionName one of its ports by name. For a
 *       port, a policy naming that port wins over one naming the whole Service; among policies
 *       naming the same (Service, section), the oldest by creationTimestamp wins, then the first
 *       by namespace/name; the others are Accepted=False, Conflicted. A policy with several
 *       targets applies where it wins, and says Conflicted if it lost anywhere.</li>
 *   <li>caCertificateRefs name ConfigMaps in the policy's namespace with a PEM ca.crt: another
 *       kind gives ResolvedRefs=False InvalidKind, a missing one or one without a certificate
 *       InvalidCACertificateRef; with none usable the policy is Accepted=False NoValidCACertificate
 *       and its backends get no connection (HTTP 500, a terminated TLSRoute connection closed).</li>
 *   <li>wellKnownCACertificates: System uses the JVM's trusted CAs; any other value, both or
 *       neither of the two set, or no hostname: Accepted=False, Invalid.</li>
 *   <li>Ancestors: every Gateway of Passage's class that a route naming a targeted Service names
 *       in its parentRefs (whether or not it accepted the route), at most 16, by namespace and name.
 *       A policy with no ancestor has no status of Passage's (the API says "not relevant").</li>
 * </ul>
 */
public final class BackendTlsRules {
  static final int MAX_ANCESTORS = 16;

  private BackendTlsRules() {}

  /** What the table carries for a Service port: the TLS of the policy that covers it, or null for plain TCP. */
  public static BackendTls forBackend(ResourceIndex index, BackendKey key) {
    if (key.udp()) return null; // TLS is a TCP port's: a UDPRoute's datagrams go as they are
    Optional<BackendTlsPolicyView> winner = covering(index, key);
    if (winner.isEmpty()) return null;
    BackendTlsPolicyView p = winner.get();
    Judged j = judge(p, index);
    List<NamespacedName> bundles = new ArrayList<>();
    for (int i = 0; i < p.caCertificateRefs().size(); i++) {
      if (j.caProblems().get(i) == null) bundles.add(new NamespacedName(p.meta().namespace(), p.caCertificateRefs().get(i).name()));
    }
    List<BackendTls.SubjectAltName> sans = p.subjectAltNames().stream()
        .map(s -> new BackendTls.SubjectAltName(s.type(), s.value())).toList();
    String refusal = j.accepted() ? null : "BackendTLSPolicy " + p.meta().ref() + " " + j.reason() + ": " + j.message();
    return new BackendTls(p.meta().ref().toString(), p.hostname(), sans, bundles,
        BackendTlsPolicyView.SYSTEM.equals(p.wellKnownCACertificates()), refusal);
  }

  /** The policy that covers a Service port: one naming the port wins over one naming the Service. */
  static Optional<BackendTlsPolicyView> covering(ResourceIndex index, BackendKey key) {
    List<BackendTlsPolicyView> policies = index.backendTlsPolicies(key.namespace(), key.service());
    if (policies.isEmpty()) return Optional.empty();
    String portName = BackendRules.servicePortName(index, key); // a TCP port: UDP keys were turned away before
    if (portName != null) {
      Optional<BackendTlsPolicyView> forPort = oldest(policies, key.service(), portName);
      if (forPort.isPresent()) return forPort;
    }
    return oldest(policies, key.service(), null);
  }

  /** The oldest of the policies naming this (Service, section), then the first by namespace/name. */
  private static Optional<BackendTlsPolicyView> oldest(List<BackendTlsPolicyView> policies, String service, String section) {
    return policies.stream().filter(p -> names(p, service, section)).min(PRECEDENCE);
  }

  private static final Comparator<BackendTlsPolicyView> PRECEDENCE = Comparator
      .comparing((BackendTlsPolicyView p) -> p.meta().creationTimestamp())
      .thenComparing(p -> p.meta().namespace())
      .thenComparing(p -> p.meta().name());

  private static boolean names(BackendTlsPolicyView p, String service, String section) {
    return p.targetRefs().stream().anyMatch(t -> t.service() && t.name().equals(service)
        && java.util.Objects.equals(t.sectionName(), section));
  }

  /** A policy's status: the same conditions for each of its ancestors; no ancestors, no entries. */
  public static PolicyStatus status(BackendTlsPolicyView p, ResourceIndex index, RulesSettings settings) {
    // judged before the ancestors are looked at, even without any: what the table carries for the
    // policy's ports reads the same CA ConfigMaps, and a change to them must find this policy
    Judged j = judge(p, index);
    List<NamespacedName> ancestors = ancestors(p, index, settings);
    if (ancestors.isEmpty()) return new PolicyStatus(List.of());
    long gen = p.meta().generation();
    List<Condition> conditions = new ArrayList<>();
    String conflict;
    if (INVALID.equals(j.reason())) { // its own content: no precedence makes it usable
      conditions.add(Condition.isFalse("Accepted", j.reason(), j.message(), gen));
    } else if ((conflict = lostTo(p, index)) != null) {
      conditions.add(Condition.isFalse("Accepted", "Conflicted", conflict, gen));
    } else if (!j.accepted()) { // NoValidCACertificate
      conditions.add(Condition.isFalse("Accepted", j.reason(), j.message(), gen));
    } else {
      conditions.add(Condition.isTrue("Accepted", "Accepted", "", gen));
    }
    CertificateRules.Failure refs = j.refsFailure();
    conditions.add(refs == null ? Condition.isTrue("ResolvedRefs", "ResolvedRefs", "", gen)
        : Condition.isFalse("ResolvedRefs", refs.reason(), refs.message(), gen));
    List<PolicyStatus.Ancestor> out = new ArrayList<>();
    for (NamespacedName g : ancestors) {
      out.add(new PolicyStatus.Ancestor(new RouteStatus.ParentRef(GroupKind.GATEWAY_GROUP, "Gateway", g.namespace(), g.name(),
          null, null), settings.controllerName(), conditions));
    }
    return new PolicyStatus(out);
  }

  /** The Gateways of Passage's class that routes naming a targeted Service name, at most 16. */
  static List<NamespacedName> ancestors(BackendTlsPolicyView p, ResourceIndex index, RulesSettings settings) {
    Set<NamespacedName> out = new TreeSet<>();
    for (NamespacedName service : p.services()) {
      for (RouteView r : index.routesNaming(service.namespace(), service.name())) {
        for (NamespacedName g : GatewayRules.named(r)) {
          Optional<GatewayView> gw = index.gateway(g.namespace(), g.name());
          if (gw.isPresent() && GatewayRules.isServedBy(gw.get(), index, settings)) out.add(g);
        }
      }
    }
    return out.stream().limit(MAX_ANCESTORS).toList();
  }

  /** Why a policy lost a target to an older one ("" never: null when it lost none). */
  private static String lostTo(BackendTlsPolicyView p, ResourceIndex index) {
    for (BackendTlsPolicyView.TargetRef t : p.targetRefs()) {
      if (!t.service()) continue;
      BackendTlsPolicyView winner = oldest(index.backendTlsPolicies(p.meta().namespace(), t.name()), t.name(),
          t.sectionName()).orElse(p);
      if (!winner.key().equals(p.key())) {
        return "BackendTLSPolicy " + winner.meta().ref() + " is older and targets Service " + t.name()
            + (t.sectionName() == null ? "" : " section " + t.sectionName()) + " too";
      }
    }
    return null;
  }

  private static final String INVALID = "Invalid";

  /**
   * A policy's own content judged once (not conflicts): Accepted as it decides it, with reason and
   * message when not; each caCertificateRef's problem (null for a usable one), in order; and
   * ResolvedRefs=False's reason and message (InvalidKind before InvalidCACertificateRef), null
   * when every reference resolves.
   */
  record Judged(boolean accepted, String reason, String message, List<CertificateRules.Failure> caProblems,
                CertificateRules.Failure refsFailure) {}

  static Judged judge(BackendTlsPolicyView p, ResourceIndex index) {
    List<CertificateRules.Failure> problems = new ArrayList<>();
    CertificateRules.Failure refs = null;
    for (BackendTlsPolicyView.CaRef ref : p.caCertificateRefs()) {
      CertificateRules.Failure f = caProblem(p, ref, index);
      problems.add(f);
      if (f != null && (refs == null || "InvalidKind".equals(f.reason()) && !"InvalidKind".equals(refs.reason()))) refs = f;
    }
    String invalid = invalidity(p);
    if (invalid != null) return new Judged(false, INVALID, invalid, problems, refs);
    if (p.wellKnownCACertificates() == null && problems.stream().allMatch(java.util.Objects::nonNull)) {
      return new Judged(false, "NoValidCACertificate", "no caCertificateRef is usable: " + refs.message(), problems, refs);
    }
    return new Judged(true, "Accepted", "", problems, refs);
  }

  /** Why a policy's fields make it Invalid, or null. */
  private static String invalidity(BackendTlsPolicyView p) {
    String wellKnown = p.wellKnownCACertificates();
    if (p.hostname() == null || p.hostname().isBlank()) return "validation.hostname is required";
    if (wellKnown != null && !BackendTlsPolicyView.SYSTEM.equals(wellKnown)) {
      return "wellKnownCACertificates " + wellKnown + " is not supported (System is)";
    }
    if (wellKnown != null && !p.caCertificateRefs().isEmpty()) {
      return "caCertificateRefs and wellKnownCACertificates are both set: only one may be";
    }
    if (wellKnown == null && p.caCertificateRefs().isEmpty()) {
      return "neither caCertificateRefs nor wellKnownCACertificates is set";
    }
    for (BackendTlsPolicyView.SubjectAltName s : p.subjectAltNames()) {
      if (!BackendTls.SubjectAltName.HOSTNAME.equals(s.type()) && !BackendTls.SubjectAltName.URI.equals(s.type())) {
        return "subjectAltNames type " + s.type() + " is not Hostname or URI";
      }
      if (s.value() == null || s.value().isBlank()) return "a subjectAltNames entry of type " + s.type() + " has no value";
    }
    return null;
  }

  private static CertificateRules.Failure caProblem(BackendTlsPolicyView p, BackendTlsPolicyView.CaRef ref, ResourceIndex index) {
    String what = "caCertificateRef " + p.meta().namespace() + "/" + ref.name();
    if (!ref.group().isEmpty() || !"ConfigMap".equals(ref.kind())) {
      return new CertificateRules.Failure("InvalidKind",
          what + " is a " + (ref.group().isEmpty() ? "" : ref.group() + "/") + ref.kind() + ", not a core ConfigMap");
    }
    return CertificateRules.caBundleProblem(index, what, p.meta().namespace(), ref.name());
  }
}
