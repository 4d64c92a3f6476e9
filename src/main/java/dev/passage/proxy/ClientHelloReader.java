package dev.passage.proxy;

import java.nio.ByteBuffer;
import org.apache.pekko.util.ByteString;

/**
 * Reassembles a ClientHello from the TLS records of a connection's first bytes, incrementally:
 * each chunk is read once, from where the previous one stopped, so the cost is linear in the
 * bytes received however they are split into TCP segments and TLS records. The handshake
 * message is copied into one array sized from its own length field (bounded by the limit).
 * One reader per connection; not thread-safe.
 */
public final class ClientHelloReader {
  private static final int RECORD_HEADER = 5;
  private static final int HANDSHAKE_HEADER = 4;
  private static final int HANDSHAKE = 22;
  private static final int CLIENT_HELLO = 1;
  private static final int MAX_RECORD = 16384 + 2048; // plaintext limit plus the allowed expansion

  private final int maxHandshakeBytes;
  private final int maxRecords;
  private final byte[] recordHeader = new byte[RECORD_HEADER];
  private int recordHeaderFill;
  private int recordRemaining; // body bytes of the current record not read yet
  private int records;
  private final byte[] handshakeHeader = new byte[HANDSHAKE_HEADER];
  private int handshakeHeaderFill;
  private byte[] handshake; // allocated once its length is known
  private int handshakeFill;
  private ClientHello.Result done;

  /** maxRecords: how many TLS records the ClientHello may span. */
  public ClientHelloReader(int maxHandshakeBytes, int maxRecords) {
    this.maxHandshakeBytes = maxHandshakeBytes;
    this.maxRecords = maxRecords;
  }

  /** Reads the next bytes; once the result is Parsed or Invalid, later calls return it again. */
  public ClientHello.Result feed(ByteString chunk) {
    if (done != null) return done;
    ByteBuffer in = chunk.asByteBuffer();
    while (in.hasRemaining()) {
      if (recordRemaining == 0) {
        recordHeader[recordHeaderFill++] = in.get();
        if (recordHeaderFill == RECORD_HEADER) {
          recordHeaderFill = 0;
          ClientHello.Invalid bad = startRecord();
          if (bad != null) return done = bad;
        }
        continue;
      }
      if (handshake == null) {
        handshakeHeader[handshakeHeaderFill++] = in.get();
        recordRemaining--;
        if (handshakeHeaderFill == HANDSHAKE_HEADER) {
          ClientHello.Invalid bad = startHandshake();
          if (bad != null) return done = bad;
        }
      } else {
        int n = Math.min(Math.min(recordRemaining, in.remaining()), handshake.length - handshakeFill);
        in.get(handshake, handshakeFill, n);
        handshakeFill += n;
        recordRemaining -= n;
      }
      if (handshake != null && handshakeFill == handshake.length) {
        return done = ClientHello.parseBody(handshake, HANDSHAKE_HEADER, handshake.length);
      }
    }
    return ClientHello.NEED_MORE;
  }

  private ClientHello.Invalid startRecord() {
    int type = recordHeader[0] & 0xff;
    int major = recordHeader[1] & 0xff;
    int length = ((recordHeader[3] & 0xff) << 8) | (recordHeader[4] & 0xff);
    if (type != HANDSHAKE) {
      return new ClientHello.Invalid(records == 0 ? "not a TLS handshake record"
          : "TLS record of type " + type + " inside the ClientHello");
    }
    if (major != 3) return new ClientHello.Invalid("not a TLS record version");
    if (length == 0 || length > MAX_RECORD) return new ClientHello.Invalid("bad TLS record length " + length);
    if (++records > maxRecords) {
      return new ClientHello.Invalid("ClientHello spans more than " + maxRecords + " TLS records");
    }
    recordRemaining = length;
    return null;
  }

  private ClientHello.Invalid startHandshake() {
    if ((handshakeHeader[0] & 0xff) != CLIENT_HELLO) {
      return new ClientHello.Invalid("first handshake message is not a ClientHello");
    }
    int bodyLength = ((handshakeHeader[1] & 0xff) << 16) | ((handshakeHeader[2] & 0xff) << 8)
        | (handshakeHeader[3] & 0xff);
    if (bodyLength > maxHandshakeBytes) {
      return new ClientHello.Invalid("ClientHello of " + bodyLength + " bytes is over the limit of " + maxHandshakeBytes);
    }
    handshake = new byte[HANDSHAKE_HEADER + bodyLength];
    System.arraycopy(handshakeHeader, 0, handshake, 0, HANDSHAKE_HEADER);
    handshakeFill = HANDSHAKE_HEADER;
    return null;
  }
}
