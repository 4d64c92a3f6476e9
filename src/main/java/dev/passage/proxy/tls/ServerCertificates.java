package dev.passage.proxy.tls;

import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.Pem;
import dev.passage.resources.ResourceCache;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.SecretView;
import dev.passage.table.Hostnames;
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

  /**
   * A usable certificate: its key material, the names its leaf certificate is valid for, and its
   * server contexts, one per client validation its listeners ask for (made at the first handshake
   * that needs it; {@link #NO_VALIDATION} for listeners that validate no client).
   */
  private record Loaded(Pem.KeyMaterial material, List<String> names, Map<Object, ServerContexts> contexts) {
    void releaseAll() {
      contexts.values().forEach(ServerContexts::release);
      contexts.clear();
    }
  }

  private static final Object NO_VALIDATION = new Object();
  /** The CA bundles (ca.crt of ConfigMaps) client validations may name, as this node read them. */
  private final Map<NamespacedName, List<X509Certificate>> caBundles = new ConcurrentHashMap<>();
  /** Counts the changes to the CA bundles and key material held: what a context made from them is checked against. */
  private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

  private final Map<NamespacedName, Loaded> loaded = new ConcurrentHashMap<>();
  private final TlsProvider provider;
  /** The Secret session-ticket keys come from (passage.tls.session-tickets.secret), if any. */
  private final Optional<NamespacedName> ticketSecret;
  /** The keys every context uses; null until the Secret is read (each context then has its own). */
  private volatile SessionTicketKeys ticketKeys;

  public ServerCertificates(TlsProvider provider) {
    this(provider, Optional.empty());
  }

  public ServerCertificates(TlsProvider provider, Optional<NamespacedName> ticketSecret) {
    this.provider = provider;
    this.ticketSecret = ticketSecret;
    if (ticketSecret.isPresent() && provider == TlsProvider.JDK) {
      log.warn("passage.tls.session-tickets.secret is set, but the JDK's TLS cannot take ticket keys: a client "
          + "resumes its session only on the node that gave it the ticket (passage.tls.provider = openssl shares them)");
    }
  }

  /** Bumped when a CA bundle or a Secret's key material held here changes: contexts made before may be stale. */
  public long generation() {
    return generation.get();
  }

  /** The certificates of a ConfigMap's ca.crt as this node read it (empty when absent or without one). */
  public List<X509Certificate> caBundle(NamespacedName configMap) {
    return caBundles.getOrDefault(configMap, List.of());
  }

  /** The key material of a kubernetes.io/tls Secret as this node loaded it (empty when it has no usable pair). */
  public Optional<Pem.KeyMaterial> keyMaterial(NamespacedName secret) {
    Loaded l = loaded.get(secret);
    return l == null ? Optional.empty() : Optional.of(l.material());
  }

  /** The TLS implementation the engines come from. */
  public TlsProvider provider() {
    return provider;
  }

  /** Takes the Secret and ConfigMap changes of this node's source (other kinds are ignored): a {@link ResourceCache.Listener}. */
  public void changed(ResourceIndex.Update update, boolean synced) {
    for (ResourceIndex.Change c : update.changes()) {
      if (c.key().kind() == Kind.CONFIG_MAP) caBundleChanged(c.key().ref(), (dev.passage.resources.ConfigMapView) c.after());
      if (c.key().kind() != Kind.SECRET) continue;
      if (ticketSecret.isPresent() && ticketSecret.get().equals(c.key().ref())) ticketSecretChanged((SecretView) c.after());
      if (c.after() instanceof SecretView s) {
        load(s);
      } else if (c.after() == null) {
        Loaded gone = loaded.remove(c.key().ref());
        if (gone != null) {
          generation.incrementAndGet();
          gone.releaseAll(); // engines made from it hold their own reference
          log.info("Secret {} is gone: its certificate is no longer served", c.key().ref());
        }
      }
    }
  }

  private void load(SecretView s) {
    NamespacedName ref = s.meta().ref();
    Optional<Pem.KeyMaterial> material = Pem.keyMaterial(s.tlsCrt(), s.tlsKey());
    if (material.isEmpty()) {
      String problem = Pem.problem(s.tlsCrt(), s.tlsKey());
      if (loaded.containsKey(ref)) {
        log.warn("Secret {} is not usable ({}); its last good certificate keeps serving", ref, problem);
      } else {
        log.debug("Secret {} holds no usable certificate: {}", ref, problem);
      }
      return;
    }
    try {
      Loaded next = new Loaded(material.get(), names(material.get().chain().get(0)), new ConcurrentHashMap<>());
      contexts(next, NO_VALIDATION, () -> null); // made now: a certificate the library refuses is said at once
      Loaded before = loaded.put(ref, next);
      generation.incrementAndGet();
      if (before != null) before.releaseAll();
      log.info("{} the certificate of Secret {} ({})", before == null ? "loaded" : "reloaded", ref,
          material.get().chain().get(0).getSubjectX500Principal().getName());
    } catch (Exception e) {
      log.warn("Secret {}: cannot make a TLS context: {}", ref, e.toString());
    }
  }

  /**
   * The ticket Secret was written (or deleted: null): its ticket-key becomes the key new tickets
   * are encrypted with, on every certificate's contexts, and the one before it still decrypts. A
   * Secret without a usable ticket-key, or gone, leaves the keys as they were, and says so.
   */
  private void ticketSecretChanged(SecretView secret) {
    NamespacedName ref = ticketSecret.orElseThrow();
    String kept = ticketKeys == null ? "each certificate keeps its own keys (this node's alone)"
        : "key " + ticketKeys.current().id() + " keeps encrypting tickets";
    if (secret == null) {
      log.warn("Secret {} (passage.tls.session-tickets.secret) is gone: {}", ref, kept);
      return;
    }
    if (secret.ticketKey() == null) {
      log.warn("Secret {} (passage.tls.session-tickets.secret) has no ticket-key: {}", ref, kept);
      return;
    }
    SessionTicketKeys.Key key;
    try {
      key = SessionTicketKeys.derive(java.util.Base64.getDecoder().decode(secret.ticketKey()));
    } catch (IllegalArgumentException e) {
      log.warn("Secret {} (passage.tls.session-tickets.secret): {}: {}", ref, e.getMessage(), kept);
      return;
    }
    SessionTicketKeys before = ticketKeys;
    SessionTicketKeys after = before == null ? SessionTicketKeys.first(key) : before.rotatedTo(key);
    if (after == before) return;
    ticketKeys = after;
    if (provider == TlsProvider.OPENSSL) loaded.values().forEach(l -> l.contexts().values().forEach(c -> c.useTicketKeys(after)));
    log.info("session tickets: key {} from Secret {} encrypts them{}", key.id(), ref,
        after.previous() == null ? "" : "; the previous key " + after.previous().id() + " still decrypts");
  }

  /** For /passage/routes: where this node's session-ticket keys come from, and their ids. */
  public String sessionTickets() {
    SessionTicketKeys keys = ticketKeys;
    if (ticketSecret.isEmpty()) return "this node's own keys (passage.tls.session-tickets.secret is not set)";
    if (provider == TlsProvider.JDK) return "this node's own keys (the JDK's TLS cannot take the keys of " + ticketSecret.get() + ")";
    if (keys == null) return "this node's own keys, until Secret " + ticketSecret.get() + " holds a usable ticket-key";
    return "key " + keys.current().id() + " from Secret " + ticketSecret.get()
        + (keys.previous() == null ? "" : ", previous key " + keys.previous().id() + " still decrypts");
  }

  /** A ConfigMap written or gone: contexts that trusted its CAs are made again at their next handshake. */
  private void caBundleChanged(NamespacedName ref, dev.passage.resources.ConfigMapView cm) {
    List<X509Certificate> cas = cm == null ? List.of() : Pem.certificates(cm.caCrt());
    List<X509Certificate> before = cas.isEmpty() ? caBundles.remove(ref) : caBundles.put(ref, cas);
    if (java.util.Objects.equals(before, cas.isEmpty() ? null : cas)) return;
    generation.incrementAndGet();
    verifiers.clear();
    for (Loaded l : loaded.values()) {
      l.contexts().entrySet().removeIf(e -> {
        boolean stale = e.getKey() instanceof dev.passage.table.ListenerTable.ClientValidation v && v.caBundles().contains(ref);
        if (stale) e.getValue().release();
        return stale;
      });
    }
    if (before != null || !cas.isEmpty()) {
      log.info("client CA bundle {}: {} certificate(s)", ref, cas.size());
    }
  }

  /** Per AllowInsecureFallback validation, whether a chain verifies against its CAs; emptied when a CA bundle changes. */
  private final Map<dev.passage.table.ListenerTable.ClientValidation, java.util.function.Predicate<X509Certificate[]>> verifiers =
      new ConcurrentHashMap<>();

  private static java.util.function.Predicate<X509Certificate[]> verifier(List<X509Certificate> cas) {
    if (cas.isEmpty()) return chain -> false;
    javax.net.ssl.X509TrustManager check;
    try {
      check = new ServerContexts.Trust(cas, false).manager();
    } catch (Exception e) {
      return chain -> false;
    }
    return chain -> {
      try {
        check.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
        return true;
      } catch (Exception invalid) {
        return false;
      }
    };
  }

  /** A certificate's contexts for a client validation (trust gives null: none), made when first needed. */
  private ServerContexts contexts(Loaded l, Object key, java.util.function.Supplier<ServerContexts.Trust> trust)
      throws Exception {
    ServerContexts existing = l.contexts().get(key);
    if (existing != null) return existing;
    synchronized (l) {
      existing = l.contexts().get(key);
      if (existing != null) return existing;
      ServerContexts made = ServerContexts.of(provider, l.material().key(), l.material().chain(), trust.get());
      SessionTicketKeys keys = ticketKeys;
      if (keys != null) made.useTicketKeys(keys);
      l.contexts().put(key, made);
      return made;
    }
  }

  /** The CAs a validation trusts now, as this node read them (made when a context is made, not per connection). */
  private ServerContexts.Trust trust(dev.passage.table.ListenerTable.ClientValidation v) {
    List<X509Certificate> cas = new ArrayList<>();
    for (NamespacedName ref : v.caBundles()) cas.addAll(caBundles.getOrDefault(ref, List.of()));
    return new ServerContexts.Trust(cas, v.insecureFallback());
  }

  /**
   * Whether a validation can accept any client now: AllowInsecureFallback always; AllowValidOnly
   * only with a CA bundle read (else the connection is refused before any handshake).
   */
  private boolean accepts(dev.passage.table.ListenerTable.ClientValidation v) {
    return v.insecureFallback() || v.caBundles().stream().anyMatch(caBundles::containsKey);
  }

  /** Whether a terminating listener can make a handshake now: a usable certificate, and a CA when it validates clients. */
  public boolean canTerminate(dev.passage.table.ListenerTable.Termination terminate) {
    return terminate.certificates().stream().anyMatch(loaded::containsKey)
        && (terminate.clientValidation() == null || accepts(terminate.clientValidation()));
  }

  /**
   * A server-side engine for a handshake whose ClientHello named sni: the first of the listener's
   * certificates whose names cover sni, else its first usable one, asking for a client certificate
   * when the listener validates them; empty when none is usable. The connection gives it back with
   * {@link #release} when it ends.
   */
  public Optional<SSLEngine> engine(dev.passage.table.ListenerTable.Termination terminate, String sni, Alpn alpn,
                                    long acceptedAtMillis, java.util.function.Consumer<Handshake> onHandshake) {
    Loaded chosen = null;
    for (NamespacedName ref : terminate.certificates()) {
      Loaded l = loaded.get(ref);
      if (l == null) continue;
      if (chosen == null) chosen = l;
      if (sni != null && l.names().stream().anyMatch(n -> Hostnames.matches(n, sni))) {
        chosen = l;
        break;
      }
    }
    if (chosen == null) return Optional.empty();
    dev.passage.table.ListenerTable.ClientValidation v = terminate.clientValidation();
    try {
      if (v == null) {
        return Optional.of(new HandshakeRecordingEngine(contexts(chosen, NO_VALIDATION, () -> null).newEngine(alpn),
            acceptedAtMillis, onHandshake, null));
      }
      if (!accepts(v)) return Optional.empty();
      // AllowValidOnly: the handshake itself refused any chain that does not verify; AllowInsecureFallback
      // accepted every one, so whether it verifies is checked once it is in (for what backends are told)
      java.util.function.Predicate<X509Certificate[]> valid = v.insecureFallback()
          ? verifiers.computeIfAbsent(v, k -> verifier(trust(k).cas())) : chain -> true;
      return Optional.of(new HandshakeRecordingEngine(contexts(chosen, v, () -> trust(v)).newEngine(alpn), acceptedAtMillis,
          onHandshake, valid));
    } catch (Exception e) {
      log.warn("cannot make a TLS context for {}: {}", terminate.certificates(), e.toString());
      return Optional.empty();
    }
  }

  /**
   * The client's certificate chain (leaf first) when the listener validates clients and this one's
   * chained to its CAs; empty otherwise (no validation, no certificate, or AllowInsecureFallback
   * let an invalid one through). Read after the handshake.
   */
  public static Optional<X509Certificate[]> verifiedClientChain(SSLEngine engine) {
    return engine instanceof HandshakeRecordingEngine r ? Optional.ofNullable(r.clientChain()) : Optional.empty();
  }

  /**
   * Frees what an engine holds outside the heap (BoringSSL's SSL object); nothing for the JDK's.
   * Safe while Pekko's TLS stage still holds the engine: a released engine answers CLOSED.
   */
  public static void release(SSLEngine engine) {
    ServerContexts.release(engine instanceof HandshakeRecordingEngine r ? r.wrapped() : engine);
  }

  /** How a connection's handshake went, read when it finishes (FAILED: the engine refused it). */
  public enum Handshake { NONE, FULL, RESUMED, FAILED }

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
      for (Pem.AltName n : Pem.subjectAltNames(leaf)) {
        if (n.dns()) names.add(n.value().toLowerCase(java.util.Locale.ROOT));
      }
    } catch (Exception ignored) {
      // no names: the certificate is still used when it is the only one
    }
    return names;
  }
}
