package dev.passage.proxy.tls;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A server engine that says, once, how its handshake went (full or resumed) at the moment the
 * handshake finishes, and keeps the client's certificate chain when a validation accepted it:
 * BoringSSL's engine frees its state when Pekko's TLS stage closes it, so both can only be read
 * while the connection is up. Every other call goes to the engine it wraps.
 */
final class HandshakeRecordingEngine extends DelegatingSSLEngine {
  private final long acceptedAtMillis;
  private Consumer<ServerCertificates.Handshake> onFinished;
  /** Whether a client's chain is valid (null: the listener validates no client certificate). */
  private final java.util.function.Predicate<java.security.cert.X509Certificate[]> validChain;
  private volatile java.security.cert.X509Certificate[] clientChain;
  private volatile boolean outboundClosing;

  HandshakeRecordingEngine(SSLEngine engine, long acceptedAtMillis, Consumer<ServerCertificates.Handshake> onFinished,
                           java.util.function.Predicate<java.security.cert.X509Certificate[]> validChain) {
    super(engine);
    this.acceptedAtMillis = acceptedAtMillis;
    this.onFinished = onFinished;
    this.validChain = validChain;
  }

  /** The client's certificate chain, leaf first, when a validation accepted it; else null. */
  java.security.cert.X509Certificate[] clientChain() {
    return clientChain;
  }

  SSLEngine wrapped() {
    return engine;
  }

  private SSLEngineResult seen(SSLEngineResult r) {
    if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED && onFinished != null) {
      Consumer<ServerCertificates.Handshake> tell = onFinished;
      onFinished = null;
      if (validChain != null) clientChain = validClientChain();
      tell.accept(ServerCertificates.handshake(engine, acceptedAtMillis));
    }
    return r;
  }

  private java.security.cert.X509Certificate[] validClientChain() {
    try {
      java.security.cert.Certificate[] peer = engine.getSession().getPeerCertificates();
      java.security.cert.X509Certificate[] chain = new java.security.cert.X509Certificate[peer.length];
      for (int i = 0; i < peer.length; i++) chain[i] = (java.security.cert.X509Certificate) peer[i];
      return chain.length > 0 && validChain.test(chain) ? chain : null;
    } catch (javax.net.ssl.SSLPeerUnverifiedException | ClassCastException none) {
      return null; // no certificate (AllowInsecureFallback lets such a client through)
    }
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
    try {
      return seen(engine.wrap(srcs, offset, length, dst));
    } catch (SSLException e) {
      throw failed(e);
    }
  }

  /**
   * BoringSSL's engine (netty's) finishes a handshake only at the call after the one that fed it
   * the client's Finished: that unwrap still says NEED_UNWRAP, and Pekko's TLS stage, waiting for
   * more bytes from the client, holds back what the backend sends. A backend that speaks first
   * (a greeting, a re-encrypted backend's answer) then waited until the client said something.
   * So an unwrap that consumed everything and still needs to unwrap gets one more, empty, call,
   * and reports where the handshake really is.
   */
  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
    try {
      SSLEngineResult r = engine.unwrap(src, dsts, offset, length);
      if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP && r.bytesConsumed() > 0
          && !src.hasRemaining() && r.getStatus() == SSLEngineResult.Status.OK) {
        SSLEngineResult more = engine.unwrap(EMPTY, dsts, offset, length);
        r = new SSLEngineResult(r.getStatus(), more.getHandshakeStatus(), r.bytesConsumed() + more.bytesConsumed(),
            r.bytesProduced() + more.bytesProduced());
      }
      return seen(r);
    } catch (SSLException e) {
      throw failed(e);
    }
  }

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  /** The engine refused the handshake (a client certificate, no common protocol, a bad record): said once. */
  private SSLException failed(SSLException e) {
    Consumer<ServerCertificates.Handshake> tell = onFinished;
    if (tell != null) {
      onFinished = null;
      tell.accept(ServerCertificates.Handshake.FAILED);
    }
    return e;
  }

  @Override
  public void closeOutbound() {
    outboundClosing = true;
    engine.closeOutbound();
  }

  /**
   * After closeOutbound, BoringSSL's engine holds its close_notify until the next wrap but says
   * NOT_HANDSHAKING, where the JDK's says NEED_WRAP; Pekko's TLS stage wraps only on NEED_WRAP, so
   * the close_notify (and the end of the connection) never went out: an HTTPS response to
   * "Connection: close" left the client waiting. Say NEED_WRAP until it is written.
   */
  @Override
  public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
    SSLEngineResult.HandshakeStatus s = engine.getHandshakeStatus();
    if (s == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING && outboundClosing && !engine.isOutboundDone()) {
      return SSLEngineResult.HandshakeStatus.NEED_WRAP;
    }
    return s;
  }
}
