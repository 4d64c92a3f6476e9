package dev.passage.proxy.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCounted;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * One certificate's server contexts, in the provider this node uses: each makes a server engine
 * per handshake, with or without HTTP's ALPN.
 */
sealed interface ServerContexts {
  SSLEngine newEngine(ServerCertificates.Alpn alpn);

  /** The keys session tickets are encrypted with from now on (the JDK's cannot be set: ignored). */
  void useTicketKeys(SessionTicketKeys keys);

  /** Called when the certificate is replaced or gone; engines already made keep working. */
  void release();

  /**
   * What a context asks of clients' certificates: the CAs they must chain to; insecureFallback: a
   * certificate is asked for but not required, and any is accepted (whether it chains to the CAs is
   * checked after the handshake, for what the backends are told).
   */
  record Trust(List<X509Certificate> cas, boolean insecureFallback) {
    public Trust {
      cas = List.copyOf(cas);
    }

    /** A trust manager that checks chains against the CAs (PKIX, no revocation checks). */
    javax.net.ssl.X509TrustManager manager() throws Exception {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < cas.size(); i++) store.setCertificateEntry("ca-" + i, cas.get(i));
      javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
      tmf.init(store);
      for (javax.net.ssl.TrustManager m : tmf.getTrustManagers()) {
        if (m instanceof javax.net.ssl.X509TrustManager x) return x;
      }
      throw new IllegalStateException("no X509TrustManager");
    }

    /**
     * The same checks, failing with the X.509 error BoringSSL turns into the alert a client can
     * read: a chain no CA here signed is "unknown CA" (an exception of the JDK's own would be
     * "internal error"), an expired one "certificate expired".
     */
    static javax.net.ssl.X509TrustManager withOpenSslReasons(javax.net.ssl.X509TrustManager pkix) {
      return new javax.net.ssl.X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
          try {
            pkix.checkClientTrusted(chain, authType);
          } catch (java.security.cert.CertificateException e) {
            throw new io.netty.handler.ssl.OpenSslCertificateException(e.getMessage(), e, x509Error(e));
          }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
          pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return pkix.getAcceptedIssuers();
        }
      };
    }

    private static int x509Error(Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof java.security.cert.CertificateExpiredException) {
          return io.netty.internal.tcnative.CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
        }
        if (t instanceof java.security.cert.CertificateNotYetValidException) {
          return io.netty.internal.tcnative.CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID;
        }
      }
      return io.netty.internal.tcnative.CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    }

    /** Accepts any client chain: AllowInsecureFallback serves every client. */
    static final javax.net.ssl.X509TrustManager ANY = new javax.net.ssl.X509TrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {
        throw new UnsupportedOperationException("a server context");
      }
      @Override public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }

  /** trust: null when the listener validates no client certificate. */
  static ServerContexts of(TlsProvider provider, PrivateKey key, List<X509Certificate> chain, Trust trust) throws Exception {
    return provider == TlsProvider.OPENSSL ? OpenSslContexts.of(key, chain, trust) : JdkContext.of(key, chain, trust);
  }

  static void release(SSLEngine engine) {
    if (engine instanceof ReferenceCounted counted && counted.refCnt() > 0) counted.release();
  }

  /** The JDK's: one SSLContext; ALPN chosen per engine by a selector. */
  record JdkContext(SSLContext context, Trust trust) implements ServerContexts {
    static JdkContext of(PrivateKey key, List<X509Certificate> chain, Trust trust) throws Exception {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] none = new char[0];
      store.setKeyEntry("key", key, none, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, none);
      SSLContext context = SSLContext.getInstance("TLS");
      javax.net.ssl.TrustManager[] clients = trust == null ? null
          : new javax.net.ssl.TrustManager[] {trust.insecureFallback() ? Trust.ANY : trust.manager()};
      context.init(kmf.getKeyManagers(), clients, null);
      return new JdkContext(context, trust);
    }

    @Override
    public SSLEngine newEngine(ServerCertificates.Alpn alpn) {
      SSLEngine engine = context.createSSLEngine();
      engine.setUseClientMode(false);
      SSLParameters p = engine.getSSLParameters();
      p.setProtocols(ServerCertificates.PROTOCOLS);
      if (trust != null && trust.insecureFallback()) p.setWantClientAuth(true);
      else if (trust != null) p.setNeedClientAuth(true);
      engine.setSSLParameters(p);
      if (alpn == ServerCertificates.Alpn.HTTP) {
        engine.setHandshakeApplicationProtocolSelector((e, offered) ->
            offered.contains("h2") ? "h2" : offered.contains("http/1.1") ? "http/1.1" : null);
      }
      return engine;
    }

    @Override
    public void useTicketKeys(SessionTicketKeys keys) {}

    @Override
    public void release() {}
  }

  /**
   * BoringSSL's: a context per ALPN offer (its ALPN is the context's). Reference-counted engines,
   * freed by the connection when it ends rather than by a finalizer (a finalizable object per
   * connection costs the collector an extra cycle each).
   */
  record OpenSslContexts(SslContext plain, SslContext http) implements ServerContexts {
    static OpenSslContexts of(PrivateKey key, List<X509Certificate> chain, Trust trust) throws Exception {
      X509Certificate[] certificates = chain.toArray(new X509Certificate[0]);
      SslContext plain = builder(key, certificates, trust).build();
      try {
        SslContext http = builder(key, certificates, trust).applicationProtocolConfig(new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            // a client that offers neither gets no ALPN extension back, and is served HTTP/1.1
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)).build();
        return new OpenSslContexts(plain, http);
      } catch (SSLException | RuntimeException e) {
        ((ReferenceCounted) plain).release();
        throw e;
      }
    }

    private static SslContextBuilder builder(PrivateKey key, X509Certificate[] chain, Trust trust) throws Exception {
      SslContextBuilder b = SslContextBuilder.forServer(key, chain).sslProvider(SslProvider.OPENSSL_REFCNT)
          .protocols(ServerCertificates.PROTOCOLS);
      if (trust == null) return b;
      if (trust.insecureFallback()) return b.trustManager(Trust.ANY).clientAuth(io.netty.handler.ssl.ClientAuth.OPTIONAL);
      return b.trustManager(Trust.withOpenSslReasons(trust.manager())).clientAuth(io.netty.handler.ssl.ClientAuth.REQUIRE);
    }

    @Override
    public SSLEngine newEngine(ServerCertificates.Alpn alpn) {
      return (alpn == ServerCertificates.Alpn.HTTP ? http : plain).newEngine(ByteBufAllocator.DEFAULT);
    }

    @Override
    public void useTicketKeys(SessionTicketKeys keys) {
      ((io.netty.handler.ssl.OpenSslSessionContext) plain.sessionContext()).setTicketKeys(keys.openssl());
      ((io.netty.handler.ssl.OpenSslSessionContext) http.sessionContext()).setTicketKeys(keys.openssl());
    }

    @Override
    public void release() {
      ((ReferenceCounted) plain).release();
      ((ReferenceCounted) http).release();
    }
  }
}
