package dev.passage.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.pekko.util.ByteString;

/**
 * Reads the SNI from the first bytes of a TLS connection. The ClientHello may arrive in any
 * number of TCP segments and span several TLS handshake records, which {@link ClientHelloReader}
 * reassembles; this class reads the SNI from the complete handshake message and says whether more
 * is needed, what the SNI is, or why the bytes cannot be a ClientHello. Pure: no I/O, no state.
 */
public final class ClientHello {

  private ClientHello() {}

  public sealed interface Result {}

  public record NeedMore() implements Result {}

  /**
   * sni is null when the ClientHello carries no server_name; alpn the first protocol the client
   * offers in application_layer_protocol_negotiation (its preferred), null without one.
   */
  public record Parsed(String sni, int handshakeBytes, String alpn) implements Result {
    public Parsed(String sni, int handshakeBytes) {
      this(sni, handshakeBytes, null);
    }
  }

  public record Invalid(String reason) implements Result {}

  static final NeedMore NEED_MORE = new NeedMore();

  private static final int SERVER_NAME = 0;
  private static final int ALPN = 16;

  /** Everything received so far, read at once (tests; the data plane feeds a {@link ClientHelloReader}). */
  public static Result parse(ByteString data, int maxHandshakeBytes) {
    return new ClientHelloReader(maxHandshakeBytes, Integer.MAX_VALUE).feed(data);
  }

  /** The SNI (and first ALPN protocol) of a complete handshake message b[0..end) whose body starts at start. */
  static Result parseBody(byte[] b, int start, int end) {
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
      String sni = null;
      String alpn = null;
      boolean sawServerName = false;
      while (p + 4 <= extEnd) {
        int type = u16(b, p, end);
        int len = u16(b, p + 2, end);
        int dataStart = p + 4;
        if (dataStart + len > extEnd) {
          // what comes after the server_name only adds the ALPN: a hello routed before this was read still is
          if (sawServerName) break;
          return new Invalid("extension overruns the ClientHello");
        }
        if (type == SERVER_NAME && !sawServerName) { // the first one counts (as it always has)
          Result r = serverName(b, dataStart, dataStart + len, end);
          if (r instanceof Invalid) return r;
          sni = ((Parsed) r).sni();
          sawServerName = true;
        } else if (type == ALPN) {
          alpn = firstProtocol(b, dataStart, dataStart + len);
        }
        p = dataStart + len;
      }
      return new Parsed(sni, end, alpn);
    } catch (IndexOutOfBoundsException e) {
      return new Invalid("truncated ClientHello");
    }
  }

  /** The first protocol of an ALPN extension's list, or null when the list is empty or malformed. */
  private static String firstProtocol(byte[] b, int p, int end) {
    if (p + 3 > end) return null;
    int listEnd = p + 2 + u16(b, p, end);
    int len = b[p + 2] & 0xff;
    if (listEnd > end || len == 0 || p + 3 + len > listEnd) return null;
    return new String(b, p + 3, len, StandardCharsets.ISO_8859_1);
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
