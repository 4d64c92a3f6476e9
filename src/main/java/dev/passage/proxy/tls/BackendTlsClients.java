package dev.passage.proxy.tls;

import dev.passage.resources.NamespacedName;
import dev.passage.resources.Pem;
import dev.passage.table.BackendTls;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of TLS to backends (BackendTLSPolicy): engines that send the policy's hostname
 * as SNI, check the backend's chain against the policy's CA bundles (as this node read the
 * ConfigMaps) or the JVM's trusted CAs, and its names against the policy's subjectAltNames, or
 * its hostname when there are none; and present the Gateway's client certificate (a Secret this
 * node loaded), if it names one. A context is made once per (policy settings, client certificate)
 * and made again when a ConfigMap or Secret changes on this node; Pekko HTTP keeps one pool per
 * context, so a CA rotation moves new requests to new pools and lets the old ones idle out.
 *
 * <p>The JDK's TLS, whichever provider terminates: a backend connection is pooled (HTTP) or lives
 * as long as its client's (TLSRoute), so its handshake is not the per-request cost.
 */
public final class BackendTlsClients {
  private static final Logger log = LoggerFactory.getLogger(BackendTlsClients.class);

  /** One context per policy and client certificate: a policy that changes replaces its own. */
  private record Key(String policy, NamespacedName clientCertificate) {}

  private record Made(BackendTls tls, long generation, SSLContext context, HttpsConnectionContext https) {}

  private final ServerCertificates certificates;
  private final Map<Key, Made> made = new ConcurrentHashMap<>();
  private final Map<NamespacedName, Boolean> warnedMissing = new ConcurrentHashMap<>();

  public BackendTlsClients(ServerCertificates certificates) {
    this.certificates = certificates;
  }

  /** A client engine for one connection to a backend of this policy, presenting this client certificate (null: none). */
  public SSLEngine engine(BackendTls tls, NamespacedName clientCertificate) {
    return newEngine(made(tls, clientCertificate).context(), tls);
  }

  /** The connection context of Pekko HTTP's pools to backends of this policy (one pool per context and endpoint). */
  public HttpsConnectionContext https(BackendTls tls, NamespacedName clientCertificate) {
    return made(tls, clientCertificate).https();
  }

  private Made made(BackendTls tls, NamespacedName clientCertificate) {
    Key key = new Key(tls.policy(), clientCertificate);
    long generation = certificates.generation();
    Made m = made.get(key);
    if (m != null && m.generation() == generation && m.tls().equals(tls)) return m;
    // the CAs or keys changed: every context is remade when next used (and a deleted policy's goes)
    if (m != null && m.generation() != generation) made.values().removeIf(other -> other.generation() != generation);
    SSLContext context = context(tls, clientCertificate);
    HttpsConnectionContext https = ConnectionContext.httpsClient((host, port) -> newEngine(context, tls));
    Made next = new Made(tls, generation, context, https);
    made.put(key, next);
    return next;
  }

  private static SSLEngine newEngine(SSLContext context, BackendTls tls) {
    SSLEngine engine = context.createSSLEngine(tls.sni(), 443);
    engine.setUseClientMode(true);
    SSLParameters p = engine.getSSLParameters();
    p.setProtocols(ServerCertificates.PROTOCOLS);
    p.setServerNames(List.of(new SNIHostName(tls.sni())));
    p.setEndpointIdentificationAlgorithm(null); // the names are checked by NameCheckingTrustManager
    engine.setSSLParameters(p);
    return engine;
  }

  private SSLContext context(BackendTls tls, NamespacedName clientCertificate) {
    try {
      KeyStore trusted = null; // null: the JVM's trusted CAs
      if (!tls.systemCas()) {
        trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        int i = 0;
        for (NamespacedName bundle : tls.caBundles()) {
          for (X509Certificate ca : certificates.caBundle(bundle)) trusted.setCertificateEntry("ca-" + i++, ca);
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      X509TrustManager chain = (X509TrustManager) tmf.getTrustManagers()[0];
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers(clientCertificate), new javax.net.ssl.TrustManager[] {new NameCheckingTrustManager(chain, tls)},
          null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a TLS client context for " + tls.policy() + ": " + e, e);
    }
  }

  private KeyManager[] keyManagers(NamespacedName clientCertificate) throws Exception {
    if (clientCertificate == null) return null;
    Optional<Pem.KeyMaterial> material = certificates.keyMaterial(clientCertificate);
    if (material.isEmpty()) {
      if (warnedMissing.putIfAbsent(clientCertificate, true) == null) {
        log.warn("Secret {} holds no usable client certificate on this node: backends get none", clientCertificate);
      }
      return null;
    }
    warnedMissing.remove(clientCertificate);
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    char[] none = new char[0];
    ks.setKeyEntry("client", material.get().key(), none, material.get().chain().toArray(new X509Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, none);
    return kmf.getKeyManagers();
  }

  /** The root message of the TLS failure in a backend's stream or request failure, or null when it is not one. */
  public static String tlsFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() != null ? root.getMessage() : t.toString();
      }
    }
    return null;
  }

  /**
   * Whether a backend's leaf certificate carries the names a policy asks for: one of its
   * subjectAltNames (Hostname against the DNS names, URI against the URIs, exactly), or without
   * any, its hostname among the DNS names. A DNS name "*.example.com" covers one label. The
   * subject's CN is not looked at (RFC 6125 leaves it behind).
   */
  public static boolean namesMatch(X509Certificate leaf, BackendTls tls) {
    List<String> dns = new ArrayList<>();
    List<String> uris = new ArrayList<>();
    try {
      for (Pem.AltName n : Pem.subjectAltNames(leaf)) (n.dns() ? dns : uris).add(n.value());
    } catch (CertificateParsingException e) {
      return false;
    }
    if (tls.subjectAltNames().isEmpty()) return dns.stream().anyMatch(d -> dnsMatches(d, tls.sni()));
    for (BackendTls.SubjectAltName want : tls.subjectAltNames()) {
      if (BackendTls.SubjectAltName.URI.equals(want.type()) && uris.contains(want.value())) return true;
      if (BackendTls.SubjectAltName.HOSTNAME.equals(want.type())
          && dns.stream().anyMatch(d -> dnsMatches(d, want.value()) || d.equalsIgnoreCase(want.value()))) {
        return true;
      }
    }
    return false;
  }

  /** A certificate's DNS name (maybe "*.suffix") against a hostname. */
  static boolean dnsMatches(String certName, String hostname) {
    String c = certName.toLowerCase(Locale.ROOT);
    String h = hostname.toLowerCase(Locale.ROOT);
    if (c.endsWith(".")) c = c.substring(0, c.length() - 1);
    if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
    if (!c.startsWith("*.")) return c.equals(h);
    int dot = h.indexOf('.');
    return dot > 0 && h.substring(dot).equals(c.substring(1));
  }

  /** The chain by PKIX against the trusted CAs, then the names: a failure fails the handshake. */
  private final class NameCheckingTrustManager extends X509ExtendedTrustManager {
    private final X509TrustManager chain;
    private final BackendTls tls;

    NameCheckingTrustManager(X509TrustManager chain, BackendTls tls) {
      this.chain = chain;
      this.tls = tls;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
      try {
        chain.checkServerTrusted(certs, authType);
      } catch (CertificateException e) {
        // the root of what reaches the log (tlsFailure): ours, with the validator's own reason in it
        Throwable why = e;
        while (why.getCause() != null && why.getCause() != why) why = why.getCause();
        throw new CertificateException("the backend's certificate does not chain to a CA of " + tls.policy() + ": "
            + why.getMessage());
      }
      if (!namesMatch(certs[0], tls)) {
        throw new CertificateException("the backend's certificate does not name " + (tls.subjectAltNames().isEmpty()
            ? tls.sni() : "any of the subjectAltNames") + " (" + tls.policy() + ")");
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket) throws CertificateException {
      checkServerTrusted(certs, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine) throws CertificateException {
      checkServerTrusted(certs, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
      throw new CertificateException("a backend connection has no clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket) throws CertificateException {
      checkClientTrusted(certs, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine) throws CertificateException {
      checkClientTrusted(certs, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return chain.getAcceptedIssuers();
    }
  }
}
