package dev.passage.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.pekko.util.ByteString;

/**
 * Reads the SNI from the first bytes of a TLS connection. The ClientHello may arrive in any
 * number of TCP segments and span several TLS handshake records; {@link #parse} is called with
 * everything received so far and says whether more is needed, what the SNI is, or why the bytes
 * cannot be a ClientHello. Pure: no I/O, no state.
 */
public final class ClientHello {
  private static final int RECORD_HEADER = 5;
  private static final int HANDSHAKE = 22;
  private static final int CLIENT_HELLO = 1;
  private static final int MAX_RECORD = 16384 + 2048; // plaintext limit plus the allowed expansion

  private ClientHello() {}

  public sealed interface Result {}

  public record NeedMore() implements Result {}

  /** sni is null when the ClientHello carries no server_name. */
  public record Parsed(String sni, int handshakeBytes) implements Result {}

  public record Invalid(String reason) implements Result {}

  private static final NeedMore NEED_MORE = new NeedMore();

  public static Result parse(ByteString data, int maxHandshakeBytes) {
    ByteString handshake = ByteString.emptyByteString();
    int offset = 0;
    int expected = -1; // the full handshake message length, header included, once known
    while (true) {
      if (data.size() - offset < RECORD_HEADER) return NEED_MORE;
      int type = data.apply(offset) & 0xff;
      int major = data.apply(offset + 1) & 0xff;
      int length = ((data.apply(offset + 3) & 0xff) << 8) | (data.apply(offset + 4) & 0xff);
      if (type != HANDSHAKE) {
        return new Invalid(offset == 0 ? "not a TLS handshake record" : "TLS record of type " + type + " inside the ClientHello");
      }
      if (major != 3) return new Invalid("not a TLS record version");
      if (length == 0 || length > MAX_RECORD) return new Invalid("bad TLS record length " + length);
      // take what this record holds so far, even when it is not complete yet, so that the
      // message length is known (and bounded) as early as possible
      int available = Math.min(length, data.size() - offset - RECORD_HEADER);
      handshake = handshake.concat(data.slice(offset + RECORD_HEADER, offset + RECORD_HEADER + available));
      if (expected < 0 && handshake.size() >= 4) {
        if ((handshake.apply(0) & 0xff) != CLIENT_HELLO) return new Invalid("first handshake message is not a ClientHello");
        int bodyLength = ((handshake.apply(1) & 0xff) << 16) | ((handshake.apply(2) & 0xff) << 8) | (handshake.apply(3) & 0xff);
        if (bodyLength > maxHandshakeBytes) {
          return new Invalid("ClientHello of " + bodyLength + " bytes is over the limit of " + maxHandshakeBytes);
        }
        expected = 4 + bodyLength;
      }
      if (expected >= 0 && handshake.size() >= expected) {
        return parseBody(handshake.slice(0, expected).toArray(), 4, expected);
      }
      if (available < length) return NEED_MORE;
      offset += RECORD_HEADER + length;
    }
  }

  private static Result parseBody(byte[] b, int start, int end) {
    try {
      int p = start;
      p += 2 + 32; // legacy_version, random
      p = skip(b, p, 1, end); // session id
      p = skip(b, p, 2, end); // cipher suites
      p = skip(b, p, 1, end); // compression methods
      if (p == end) return new Parsed(null, end); // no extensions at all
      int extEnd = p + 2 + u16(b, p, end);
      if (extEnd > end) return new Invalid("extensions overrun the ClientHello");
      p += 2;
      while (p + 4 <= extEnd) {
        int type = u16(b, p, end);
        int len = u16(b, p + 2, end);
        int dataStart = p + 4;
        if (dataStart + len > extEnd) return new Invalid("extension overruns the ClientHello");
        if (type == 0) return serverName(b, dataStart, dataStart + len, end);
        p = dataStart + len;
      }
      return new Parsed(null, end);
    } catch (IndexOutOfBoundsException e) {
      return new Invalid("truncated ClientHello");
    }
  }

  private static Result serverName(byte[] b, int p, int end, int helloEnd) {
    int listEnd = p + 2 + u16(b, p, end);
    if (listEnd > end) return new Invalid("server_name list overruns its extension");
    p += 2;
    while (p + 3 <= listEnd) {
      int nameType = b[p] & 0xff;
      int len = u16(b, p + 1, end);
      int nameStart = p + 3;
      if (nameStart + len > listEnd) return new Invalid("server name overruns its list");
      if (nameType == 0) {
        String name = new String(b, nameStart, len, StandardCharsets.US_ASCII);
        if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
        if (!validHostname(name)) return new Invalid("server_name is not a DNS host name");
        return new Parsed(name.toLowerCase(Locale.ROOT), helloEnd);
      }
      p = nameStart + len;
    }
    return new Parsed(null, helloEnd);
  }

  static boolean validHostname(String name) {
    if (name.isEmpty() || name.length() > 253) return false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
      if (!ok) return false;
    }
    return !name.startsWith(".") && !name.contains("..");
  }

  private static int skip(byte[] b, int p, int lengthBytes, int end) {
    int len = lengthBytes == 1 ? (b[p] & 0xff) : u16(b, p, end);
    int next = p + lengthBytes + len;
    if (next > end) throw new IndexOutOfBoundsException();
    return next;
  }

  private static int u16(byte[] b, int p, int end) {
    if (p + 2 > end) throw new IndexOutOfBoundsException();
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }
}
