package dev.passage.proxy.tls;

import javax.net.ssl.SSLEngine;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.TLS;
import org.apache.pekko.util.ByteString;

/**
 * Pekko's TLS stage around a server engine, on the thread that suits the provider. The stage is an
 * actor of its own. With BoringSSL it runs on the I/O loops' dispatcher, beside the connection: one
 * run of ECDSA P-256 with wrk (docs/performance.md, TLS termination) gave a Terminate TLSRoute 37,474 keep-alive
 * requests a second at 23 us of CPU each, against 30,137 at 33 us on the default dispatcher, and
 * HTTPS with HTTPRoute about the same either way. With the JDK's engine, whose crypto costs several
 * times more, the same move cost keep-alive throughput (8,394 to 5,182 req/s), so it stays on the
 * default dispatcher, where the crypto spreads over the cores.
 */
public final class TlsStage {
  private TlsStage() {}

  /** The I/O loops' dispatcher (PassageNode registers it). */
  public static final String IO_LOOPS = "passage.proxy-dispatcher";

  /**
   * A TLS session's application bytes as plain ByteStrings: what goes in is sent (SendBytes), what
   * comes out is what the peer sent (SessionBytes; the stage's other messages are dropped).
   */
  public static BidiFlow<ByteString, TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsInbound, ByteString, NotUsed> sessionBytes() {
    return BidiFlow.fromFlows(
        Flow.of(ByteString.class).map(b -> (TLSProtocol.SslTlsOutbound) new TLSProtocol.SendBytes(b)),
        Flow.of(TLSProtocol.SslTlsInbound.class).filter(in -> in instanceof TLSProtocol.SessionBytes)
            .map(in -> ((TLSProtocol.SessionBytes) in).bytes()));
  }

  /**
   * A client session to a backend with this (JDK) engine: plaintext on the inside, TLS records on
   * the outside; closes both ways at once. On the default dispatcher, where the JDK's crypto
   * spreads over the cores (see above).
   */
  public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> client(SSLEngine engine) {
    var tls = TLS.create(() -> engine, TLSClosing.eagerClose())
        .withAttributes(ActorAttributes.dispatcher("pekko.actor.default-dispatcher"));
    return sessionBytes().atop(tls);
  }

  /** Ciphertext on the outside (ByteString), SSL session messages on the inside; closes both ways at once. */
  public static BidiFlow<TLSProtocol.SslTlsOutbound, ByteString, ByteString, TLSProtocol.SslTlsInbound, NotUsed> server(
      SSLEngine engine, TlsProvider provider) {
    var tls = TLS.create(() -> engine, TLSClosing.eagerClose());
    return provider == TlsProvider.OPENSSL ? tls.withAttributes(ActorAttributes.dispatcher(IO_LOOPS)) : tls;
  }
}
