package dev.passage.proxy.tls;

import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceCache;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.SecretView;
import dev.passage.rules.CertificateRules;
import dev.passage.rules.Hostnames;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates this node serves for Terminate listeners, read by the node itself from the
 * Secrets its own source gives (the folder in standalone): route tables name Secrets, never carry
 * keys. A Secret that changes is loaded for the handshakes that follow (established connections
 * keep the session they have); one that becomes unusable leaves the last good certificate serving,
 * and says so once. Handshakes are TLS 1.3 or 1.2, with no ALPN (a TLSRoute listener has no
 * application protocol to offer).
 */
public final class ServerCertificates {
  private static final Logger log = LoggerFactory.getLogger(ServerCertificates.class);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  /** A usable certificate: its server context and the names its leaf certificate is valid for. */
  private record Loaded(SSLContext context, List<String> names) {}

  private final Map<NamespacedName, Loaded> loaded = new ConcurrentHashMap<>();

  /** Takes the Secret changes of this node's source (other kinds are ignored): a {@link ResourceCache.Listener}. */
  public void changed(ResourceIndex.Update update, boolean synced) {
    for (ResourceIndex.Change c : update.changes()) {
      if (c.key().kind() != Kind.SECRET) continue;
      if (c.after() instanceof SecretView s) {
        load(s);
      } else if (c.after() == null && loaded.remove(c.key().ref()) != null) {
        log.info("Secret {} is gone: its certificate is no longer served", c.key().ref());
      }
    }
  }

  private void load(SecretView s) {
    NamespacedName ref = s.meta().ref();
    Optional<CertificateRules.KeyMaterial> material = CertificateRules.keyMaterial(s.tlsCrt(), s.tlsKey());
    if (material.isEmpty()) {
      String problem = CertificateRules.problem(s.tlsCrt(), s.tlsKey());
      if (loaded.containsKey(ref)) {
        log.warn("Secret {} is not usable ({}); its last good certificate keeps serving", ref, problem);
      } else {
        log.debug("Secret {} holds no usable certificate: {}", ref, problem);
      }
      return;
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] none = new char[0];
      store.setKeyEntry("key", material.get().key(), none, material.get().chain().toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, none);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      Loaded before = loaded.put(ref, new Loaded(context, names(material.get().chain().get(0))));
      log.info("{} the certificate of Secret {} ({})", before == null ? "loaded" : "reloaded", ref,
          material.get().chain().get(0).getSubjectX500Principal().getName());
    } catch (Exception e) {
      log.warn("Secret {}: cannot make a TLS context: {}", ref, e.toString());
    }
  }

  /** Whether any of these Secrets holds a usable certificate now. */
  public boolean hasUsable(List<NamespacedName> certificates) {
    return certificates.stream().anyMatch(loaded::containsKey);
  }

  /**
   * A server-side engine for a handshake whose ClientHello named sni: the first of the listener's
   * certificates whose names cover sni, else its first usable one; empty when none is usable.
   */
  public Optional<SSLEngine> engine(List<NamespacedName> certificates, String sni) {
    Loaded chosen = null;
    for (NamespacedName ref : certificates) {
      Loaded l = loaded.get(ref);
      if (l == null) continue;
      if (chosen == null) chosen = l;
      if (sni != null && l.names().stream().anyMatch(n -> Hostnames.matches(n, sni))) {
        chosen = l;
        break;
      }
    }
    if (chosen == null) return Optional.empty();
    SSLEngine engine = chosen.context().createSSLEngine();
    engine.setUseClientMode(false);
    SSLParameters p = engine.getSSLParameters();
    p.setProtocols(PROTOCOLS);
    engine.setSSLParameters(p);
    return Optional.of(engine);
  }

  private static List<String> names(X509Certificate leaf) {
    List<String> names = new ArrayList<>();
    try {
      if (leaf.getSubjectAlternativeNames() != null) {
        for (List<?> san : leaf.getSubjectAlternativeNames()) {
          if (Integer.valueOf(2).equals(san.get(0))) names.add(String.valueOf(san.get(1)).toLowerCase(java.util.Locale.ROOT));
        }
      }
    } catch (Exception ignored) {
      // no names: the certificate is still used when it is the only one
    }
    return names;
  }
}
