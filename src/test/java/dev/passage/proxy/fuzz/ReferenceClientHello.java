package dev.passage.proxy.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * A second, deliberately plain reading of a connection's first bytes, to check the data plane's
 * incremental {@link dev.passage.proxy.ClientHelloReader} against: whole TLS records are
 * concatenated into the handshake layer, then the ClientHello is walked with a ByteBuffer, whose
 * underflow is the truncation check. Slow and simple on purpose; it shares no code with the
 * reader. Its verdicts: "sni:NAME", "no-sni", "need-more", "invalid".
 */
public final class ReferenceClientHello {
  private static final int MAX_RECORD = 16384 + 2048;

  private ReferenceClientHello() {}

  public static String verdict(byte[] in, int maxHandshake, int maxRecords) {
    ByteArrayOutputStream handshake = new ByteArrayOutputStream();
    int pos = 0;
    int records = 0;
    while (true) {
      String decided = decide(handshake.toByteArray(), maxHandshake);
      if (decided != null) return decided;
      if (pos + 5 > in.length) return "need-more";
      int type = in[pos] & 0xff;
      int major = in[pos + 1] & 0xff;
      int length = ((in[pos + 3] & 0xff) << 8) | (in[pos + 4] & 0xff);
      if (type != 22 || major != 3 || length == 0 || length > MAX_RECORD) return "invalid";
      if (++records > maxRecords) return "invalid";
      int available = Math.min(length, in.length - pos - 5);
      handshake.write(in, pos + 5, available);
      pos += 5 + length;
      if (available < length) {
        String partial = decide(handshake.toByteArray(), maxHandshake);
        return partial != null ? partial : "need-more";
      }
    }
  }

  /** A verdict once the handshake bytes so far allow one, else null. */
  private static String decide(byte[] hs, int maxHandshake) {
    if (hs.length < 4) return null;
    if ((hs[0] & 0xff) != 1) return "invalid";
    int bodyLength = ((hs[1] & 0xff) << 16) | ((hs[2] & 0xff) << 8) | (hs[3] & 0xff);
    if (bodyLength > maxHandshake) return "invalid";
    if (hs.length < 4 + bodyLength) return null;
    return body(ByteBuffer.wrap(hs, 4, bodyLength).slice());
  }

  private static String body(ByteBuffer b) {
    try {
      b.position(b.position() + 34); // legacy_version and random; past the end throws
      skip(b, b.get() & 0xff);                 // session id
      skip(b, b.getShort() & 0xffff);          // cipher suites
      skip(b, b.get() & 0xff);                 // compression methods
      if (!b.hasRemaining()) return "no-sni";
      int extensionsLength = b.getShort() & 0xffff;
      if (extensionsLength > b.remaining()) return "invalid";
      ByteBuffer extensions = take(b, extensionsLength);
      while (extensions.remaining() >= 4) {
        int type = extensions.getShort() & 0xffff;
        int length = extensions.getShort() & 0xffff;
        if (length > extensions.remaining()) return "invalid";
        ByteBuffer data = take(extensions, length);
        if (type == 0) return serverName(data);
      }
      return "no-sni";
    } catch (BufferUnderflowException | IllegalArgumentException truncated) {
      return "invalid";
    }
  }

  private static String serverName(ByteBuffer data) {
    int listLength = data.getShort() & 0xffff;
    if (listLength > data.remaining()) return "invalid";
    ByteBuffer list = take(data, listLength);
    while (list.remaining() >= 3) {
      int nameType = list.get() & 0xff;
      int length = list.getShort() & 0xffff;
      if (length > list.remaining()) return "invalid";
      byte[] name = new byte[length];
      list.get(name);
      if (nameType != 0) continue;
      StringBuilder s = new StringBuilder();
      for (byte c : name) {
        boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
        if (!ok) return "invalid";
        s.append((char) c);
      }
      String host = s.toString();
      if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
      if (host.isEmpty() || host.length() > 253 || host.startsWith(".") || host.contains("..")) return "invalid";
      return "sni:" + host.toLowerCase(Locale.ROOT);
    }
    return "no-sni";
  }

  private static void skip(ByteBuffer b, int n) {
    b.position(b.position() + n); // IllegalArgumentException past the limit
  }

  private static ByteBuffer take(ByteBuffer b, int n) {
    ByteBuffer slice = b.slice().limit(n);
    b.position(b.position() + n);
    return slice;
  }
}
