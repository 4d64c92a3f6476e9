package dev.passage.resources;

import java.util.List;

/**
 * A BackendTLSPolicy (gateway.networking.k8s.io/v1): how Passage opens TLS to the Services its
 * targetRefs name (sectionName: one port of the Service, by its name; null: every port). hostname
 * is the SNI and, without subjectAltNames, the name the backend's certificate must carry;
 * caCertificateRefs name ConfigMaps with ca.crt (in the policy's namespace), wellKnownCACertificates
 * "System" the JVM's trusted CAs (null when unset).
 */
public record BackendTlsPolicyView(Meta meta, List<TargetRef> targetRefs, List<CaRef> caCertificateRefs,
                                   String wellKnownCACertificates, String hostname, List<SubjectAltName> subjectAltNames)
    implements Resource {
  public static final String SYSTEM = "System";

  public BackendTlsPolicyView {
    targetRefs = List.copyOf(targetRefs);
    caCertificateRefs = List.copyOf(caCertificateRefs);
    subjectAltNames = List.copyOf(subjectAltNames);
  }

  @Override
  public Resource withMeta(Meta other) {
    return new BackendTlsPolicyView(other, targetRefs, caCertificateRefs, wellKnownCACertificates, hostname, subjectAltNames);
  }

  @Override
  public Kind kind() {
    return Kind.BACKEND_TLS_POLICY;
  }

  /** The core Services this policy names, in its namespace (other kinds are not Passage's to apply it to). */
  public List<NamespacedName> services() {
    return targetRefs.stream().filter(TargetRef::service).map(t -> new NamespacedName(meta.namespace(), t.name()))
        .distinct().toList();
  }

  /** A target: group "" and kind Service for a Service; sectionName a Service port's name, or null. */
  public record TargetRef(String group, String kind, String name, String sectionName) {
    public boolean service() {
      return group.isEmpty() && "Service".equals(kind);
    }
  }

  /** A CA reference in the policy's namespace: group "" and kind ConfigMap is the one Passage reads. */
  public record CaRef(String group, String kind, String name) {}

  /** type Hostname (value: a DNS name, maybe a wildcard) or URI (value: an absolute URI such as a SPIFFE ID). */
  public record SubjectAltName(String type, String value) {}
}
