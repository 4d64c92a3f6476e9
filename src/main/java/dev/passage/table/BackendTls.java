package dev.passage.table;

import dev.passage.resources.NamespacedName;
import java.util.List;

/**
 * How Passage opens TLS to a Service port a BackendTLSPolicy covers: what the route table carries
 * beside the port's endpoints. sni is the policy's hostname; the backend's certificate must chain
 * to one of caBundles (ConfigMaps whose ca.crt each node reads itself) or, with systemCas, to a CA
 * the JVM trusts; and carry one of subjectAltNames, or the sni when there are none. refusal, when
 * set, says why no connection may be made at all (a policy with no valid CA): the backend gets no
 * plaintext, and the client an error.
 */
public record BackendTls(String policy, String sni, List<SubjectAltName> subjectAltNames,
                         List<NamespacedName> caBundles, boolean systemCas, String refusal) {
  public BackendTls {
    subjectAltNames = List.copyOf(subjectAltNames);
    caBundles = List.copyOf(caBundles);
  }

  public boolean usable() {
    return refusal == null;
  }

  /** type Hostname (a DNS name, a leading "*." allowed) or URI (compared exactly). */
  public record SubjectAltName(String type, String value) {
    public static final String HOSTNAME = "Hostname";
    public static final String URI = "URI";
  }
}
