package dev.passage.cluster;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * An engine of the cluster's mutual TLS that tells {@link RemotingRefusals} when it refuses its
 * peer (an SSLException from wrap or unwrap: a certificate not from the CA, none, no protocol in
 * common, bytes that are not TLS), once; every call goes to the engine it wraps.
 */
final class ObservedEngine extends dev.passage.proxy.tls.DelegatingSSLEngine {
  private final String peer;
  private final RemotingRefusals refusals;
  private volatile boolean told;

  ObservedEngine(SSLEngine engine, String peer, RemotingRefusals refusals) {
    super(engine);
    this.peer = peer;
    this.refusals = refusals;
  }

  private SSLException refused(SSLException e) {
    if (!told) {
      told = true;
      refusals.refused(peer, e.getMessage());
    }
    return e;
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
    try {
      return engine.wrap(srcs, offset, length, dst);
    } catch (SSLException e) {
      throw refused(e);
    }
  }

  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
    try {
      return engine.unwrap(src, dsts, offset, length);
    } catch (SSLException e) {
      throw refused(e);
    }
  }
}
