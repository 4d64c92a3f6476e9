package dev.passage.rules;

import dev.passage.resources.GatewayView;
import dev.passage.resources.GroupKind;
import dev.passage.resources.Pem;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.SecretView;
import java.util.Optional;

/**
 * Checks a terminating listener's certificateRefs: a core Secret, reachable (same namespace or a
 * Gateway-to-Secret ReferenceGrant), holding a PEM certificate and a private key that belong
 * together (read by {@link Pem}).
 */
public final class CertificateRules {
  private CertificateRules() {}

  /** A failure as (reason, message), or empty when the reference is good. */
  public record Failure(String reason, String message) {}

  /**
   * Whether the Gateway may use this reference at all (a core Secret, in its namespace or granted by
   * a ReferenceGrant): only such references reach the route table, whatever their content.
   */
  public static boolean permitted(Referrer referrer, GatewayView.SecretRef ref, ResourceIndex index) {
    return permitted(check(referrer, ref, index));
  }

  public static Optional<Failure> check(GatewayView gateway, GatewayView.SecretRef ref, ResourceIndex index) {
    return check(Referrer.of(gateway), ref, index);
  }

  /** What is wrong with a certificate reference of a Gateway or a ListenerSet (referrer), or empty when it is good. */
  public static Optional<Failure> check(Referrer referrer, GatewayView.SecretRef ref, ResourceIndex index) {
    String ns = ref.namespace() == null ? referrer.namespace() : ref.namespace();
    String what = "certificateRef " + ns + "/" + ref.name();
    if (!ref.group().isEmpty() || !"Secret".equals(ref.kind())) {
      return Optional.of(new Failure("InvalidCertificateRef",
          what + " is a " + (ref.group().isEmpty() ? "" : ref.group() + "/") + ref.kind() + ", not a core Secret"));
    }
    if (!ns.equals(referrer.namespace())
        && !ReferenceGrants.permits(index, GroupKind.GATEWAY_GROUP, referrer.kind(), referrer.namespace(), "", "Secret",
            ns, ref.name())) {
      return Optional.of(new Failure("RefNotPermitted",
          "no ReferenceGrant in namespace " + ns + " allows " + referrer.kind() + "s from " + referrer.namespace()
              + " to use Secret " + ref.name()));
    }
    Optional<SecretView> secret = index.secret(ns, ref.name());
    if (secret.isEmpty()) return Optional.of(new Failure("InvalidCertificateRef", what + ": Secret not found"));
    String problem = Pem.problem(secret.get().tlsCrt(), secret.get().tlsKey());
    return problem == null ? Optional.empty() : Optional.of(new Failure("InvalidCertificateRef", what + ": " + problem));
  }

  /**
   * What is wrong with a CA reference to the ConfigMap namespace/name, once its kind and
   * namespace are allowed (the ConfigMap missing, or its ca.crt without a PEM certificate), as
   * "what: why" with reason InvalidCACertificateRef; null when it holds a CA. Frontend validation
   * and BackendTLSPolicy both read CA bundles so.
   */
  static Failure caBundleProblem(ResourceIndex index, String what, String namespace, String name) {
    Optional<dev.passage.resources.ConfigMapView> cm = index.configMap(namespace, name);
    if (cm.isEmpty()) return new Failure("InvalidCACertificateRef", what + ": ConfigMap not found");
    if (Pem.certificates(cm.get().caCrt()).isEmpty()) {
      return new Failure("InvalidCACertificateRef", what + ": ca.crt holds no PEM certificate");
    }
    return null;
  }

  /** Whether a reference checked with {@link #check} may reach the route table at all (see {@link #permitted}). */
  static boolean permitted(Optional<Failure> checked) {
    return checked.isEmpty() || !checked.get().reason().equals("RefNotPermitted")
        && !checked.get().message().contains("not a core Secret");
  }
}
