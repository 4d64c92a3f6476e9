package dev.passage.proxy.tls;

import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceCache;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.SecretView;
import dev.passage.rules.CertificateRules;
import dev.passage.rules.Hostnames;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates this node serves for Terminate listeners, read by the node itself from the
 * Secrets its own source gives (the folder in standalone): route tables name Secrets, never carry
 * keys. A Secret that changes is loaded for the handshakes that follow (established connections
 * keep the session they have); one that becomes unusable leaves the last good certificate serving,
 * and says so once. Handshakes are TLS 1.3 or 1.2, by the {@link TlsProvider} this node chose; a
 * TLSRoute's engine offers no ALPN (a TLSRoute listener has no application protocol to offer), an
 * HTTPS listener's chooses h2 or http/1.1.
 */
public final class ServerCertificates {
  private static final Logger log = LoggerFactory.getLogger(ServerCertificates.class);
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  /** What a handshake's engine offers by ALPN. */
  public enum Alpn {
    /** Nothing (TLSRoute Terminate: the bytes go to the backend as they are). */
    NONE,
    /** h2, else http/1.1 (HTTPS listeners). */
    HTTP
  }

  /** A usable certificate: its server contexts and the names its leaf certificate is valid for. */
  private record Loaded(ServerContexts contexts, List<String> names) {}

  private final Map<NamespacedName, Loaded> loaded = new ConcurrentHashMap<>();
  private final TlsProvider provider;

  public ServerCertificates(TlsProvider provider) {
    this.provider = provider;
  }

  /** The TLS implementation the engines come from. */
  public TlsProvider provider() {
    return provider;
  }

  /** Takes the Secret changes of this node's source (other kinds are ignored): a {@link ResourceCache.Listener}. */
  public void changed(ResourceIndex.Update update, boolean synced) {
    for (ResourceIndex.Change c : update.changes()) {
      if (c.key().kind() != Kind.SECRET) continue;
      if (c.after() instanceof SecretView s) {
        load(s);
      } else if (c.after() == null) {
        Loaded gone = loaded.remove(c.key().ref());
        if (gone != null) {
          gone.contexts().release(); // engines made from it hold their own reference
          log.info("Secret {} is gone: its certificate is no longer served", c.key().ref());
        }
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
      ServerContexts contexts = ServerContexts.of(provider, material.get().key(), material.get().chain());
      Loaded before = loaded.put(ref, new Loaded(contexts, names(material.get().chain().get(0))));
      if (before != null) before.contexts().release();
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
   * certificates whose names cover sni, else its first usable one; empty when none is usable. The
   * connection gives it back with {@link #release} when it ends.
   */
  public Optional<SSLEngine> engine(List<NamespacedName> certificates, String sni, Alpn alpn, long acceptedAtMillis,
                                    java.util.function.Consumer<Handshake> onHandshake) {
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
    return Optional.of(new HandshakeRecordingEngine(chosen.contexts().newEngine(alpn), acceptedAtMillis, onHandshake));
  }

  /**
   * Frees what an engine holds outside the heap (BoringSSL's SSL object); nothing for the JDK's.
   * Safe while Pekko's TLS stage still holds the engine: a released engine answers CLOSED.
   */
  public static void release(SSLEngine engine) {
    ServerContexts.release(engine instanceof HandshakeRecordingEngine r ? r.wrapped() : engine);
  }

  /** How a connection's handshake went, read when it finishes. */
  public enum Handshake { NONE, FULL, RESUMED }

  /**
   * Whether this engine completed a handshake, and whether it resumed a session: BoringSSL says so
   * itself (while the engine is open); for the JDK's, a resumed session keeps the creation time of the handshake that made it,
   * before this connection was accepted (acceptedAtMillis, wall clock).
   */
  static Handshake handshake(SSLEngine engine, long acceptedAtMillis) {
    javax.net.ssl.SSLSession session = engine.getSession();
    if (session == null || "SSL_NULL_WITH_NULL_NULL".equals(session.getCipherSuite())) return Handshake.NONE;
    if (engine instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine openssl) {
      long ssl = openssl.sslPointer();
      if (ssl == 0) return Handshake.NONE; // already freed: not counted rather than guessed
      return io.netty.internal.tcnative.SSL.isSessionReused(ssl) ? Handshake.RESUMED : Handshake.FULL;
    }
    return session.getCreationTime() < acceptedAtMillis ? Handshake.RESUMED : Handshake.FULL;
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
