package dev.passage.rules;

import dev.passage.resources.GatewayView;
import dev.passage.resources.GroupKind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceIndex;
import dev.passage.table.ListenerTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Frontend client-certificate validation (GEP-91; the Gateway's spec.tls.frontend): which CA
 * bundles a terminating listener checks its clients' certificates against, and what its status
 * says of its caCertificateRefs. It applies to HTTPS listeners and, a choice of Passage's (the
 * specification is silent), to TLS listeners in Terminate mode; never to Passthrough or HTTP.
 * A reference must be a core ConfigMap (else InvalidCACertificateKind), in the Gateway's namespace
 * or granted by a ReferenceGrant (else RefNotPermitted), holding at least one PEM certificate in
 * ca.crt (else InvalidCACertificateRef). A validation left with no usable CA accepts no client
 * under AllowValidOnly: the listener is not Accepted (NoValidCACertificate).
 */
public final class ClientCertificateRules {
  private ClientCertificateRules() {}

  /**
   * One listener's validation: what the table carries (null: none), the first bad reference, and
   * whether none is usable while the mode needs one.
   */
  public record Judgement(ListenerTable.ClientValidation validation, Optional<CertificateRules.Failure> failure,
                          boolean noValidCa) {
    static final Judgement NONE = new Judgement(null, Optional.empty(), false);
  }

  public static Judgement judge(GatewayView gateway, GatewayView.Listener listener, ResourceIndex index) {
    GatewayView.Validation v = gateway.frontend().forPort(listener.port());
    if (v == null) return Judgement.NONE;
    List<NamespacedName> usable = new ArrayList<>();
    Optional<CertificateRules.Failure> first = Optional.empty();
    for (GatewayView.SecretRef ref : v.caCertificateRefs()) {
      Optional<CertificateRules.Failure> f = check(gateway, ref, index);
      if (f.isEmpty()) usable.add(new NamespacedName(namespace(gateway, ref), ref.name()));
      else if (first.isEmpty()) first = f;
    }
    return new Judgement(new ListenerTable.ClientValidation(usable, v.insecureFallback()), first,
        usable.isEmpty() && !v.insecureFallback());
  }

  /** Whether a listener with this protocol and TLS mode checks client certificates at all. */
  public static boolean applies(String protocol, String tlsMode) {
    return ListenerTable.HTTPS.equals(protocol) || ListenerTable.TLS.equals(protocol) && "Terminate".equals(tlsMode);
  }

  static Optional<CertificateRules.Failure> check(GatewayView gateway, GatewayView.SecretRef ref, ResourceIndex index) {
    String ns = namespace(gateway, ref);
    String what = "caCertificateRef " + ns + "/" + ref.name();
    if (!ref.group().isEmpty() || !"ConfigMap".equals(ref.kind())) {
      return Optional.of(new CertificateRules.Failure("InvalidCACertificateKind",
          what + " is a " + (ref.group().isEmpty() ? "" : ref.group() + "/") + ref.kind() + ", not a core ConfigMap"));
    }
    if (!ns.equals(gateway.meta().namespace())
        && !ReferenceGrants.permits(index, GroupKind.GATEWAY_GROUP, "Gateway", gateway.meta().namespace(), "", "ConfigMap",
            ns, ref.name())) {
      return Optional.of(new CertificateRules.Failure("RefNotPermitted",
          "no ReferenceGrant in namespace " + ns + " allows Gateways from " + gateway.meta().namespace()
              + " to use ConfigMap " + ref.name()));
    }
    return Optional.ofNullable(CertificateRules.caBundleProblem(index, what, ns, ref.name()));
  }

  private static String namespace(GatewayView gateway, GatewayView.SecretRef ref) {
    return ref.namespace() == null ? gateway.meta().namespace() : ref.namespace();
  }
}
