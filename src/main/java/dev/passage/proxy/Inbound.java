package dev.passage.proxy;

import org.apache.pekko.util.ByteString;

/**
 * What the ClientHello peek emits on a client connection: first exactly one {@link Hello} or
 * {@link Refused}, then (after a Hello) the client's later bytes as {@link Chunk}s.
 */
public sealed interface Inbound {
  /** Every byte received until the ClientHello was complete, to be replayed unchanged. */
  record Hello(ByteString bytes, String sni, int handshakeBytes) implements Inbound {}

  record Refused(ProxyMetrics.Refusal kind, String reason, int bytesReceived) implements Inbound {}

  record Chunk(ByteString bytes) implements Inbound {}
}
