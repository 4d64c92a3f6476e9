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

  static ServerContexts of(TlsProvider provider, PrivateKey key, List<X509Certificate> chain) throws Exception {
    return provider == TlsProvider.OPENSSL ? OpenSslContexts.of(key, chain) : JdkContext.of(key, chain);
  }

  static void release(SSLEngine engine) {
    if (engine instanceof ReferenceCounted counted && counted.refCnt() > 0) counted.release();
  }

  /** The JDK's: one SSLContext; ALPN chosen per engine by a selector. */
  record JdkContext(SSLContext context) implements ServerContexts {
    static JdkContext of(PrivateKey key, List<X509Certificate> chain) throws Exception {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] none = new char[0];
      store.setKeyEntry("key", key, none, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, none);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      return new JdkContext(context);
    }

    @Override
    public SSLEngine newEngine(ServerCertificates.Alpn alpn) {
      SSLEngine engine = context.createSSLEngine();
      engine.setUseClientMode(false);
      SSLParameters p = engine.getSSLParameters();
      p.setProtocols(ServerCertificates.PROTOCOLS);
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
    static OpenSslContexts of(PrivateKey key, List<X509Certificate> chain) throws SSLException {
      X509Certificate[] certificates = chain.toArray(new X509Certificate[0]);
      SslContext plain = builder(key, certificates).build();
      try {
        SslContext http = builder(key, certificates).applicationProtocolConfig(new ApplicationProtocolConfig(
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

    private static SslContextBuilder builder(PrivateKey key, X509Certificate[] chain) {
      return SslContextBuilder.forServer(key, chain).sslProvider(SslProvider.OPENSSL_REFCNT)
          .protocols(ServerCertificates.PROTOCOLS);
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
