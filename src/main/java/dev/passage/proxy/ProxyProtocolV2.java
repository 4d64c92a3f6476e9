package dev.passage.proxy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * The PROXY protocol version 2 header (HAProxy's proxy-protocol.txt, section 2.2) that a backend
 * reads before a connection's first byte: the client's address and port, the address and port it
 * connected to, and type-length-value fields. Binary, so a backend parses it in constant time; TCP
 * over IPv4 or IPv6 (an IPv4 address beside an IPv6 one is written as IPv4-mapped IPv6).
 *
 * <p>A building block of issue 24's TrafficPolicy (proxyProtocol: V2, with the TLVs Authority,
 * ALPN and UniqueID); the data plane sends it once a policy asks for it.
 */
public final class ProxyProtocolV2 {
  /** The 12-byte signature every v2 header starts with. */
  static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  /** Version 2, command PROXY. */
  static final byte VERSION_PROXY = 0x21;
  static final byte TCP_OVER_IPV4 = 0x11;
  static final byte TCP_OVER_IPV6 = 0x21;

  public static final int TYPE_ALPN = 0x01;
  public static final int TYPE_AUTHORITY = 0x02;
  public static final int TYPE_UNIQUE_ID = 0x05;
  /** The specification's bound on PP2_TYPE_UNIQUE_ID. */
  public static final int MAX_UNIQUE_ID = 128;

  private ProxyProtocolV2() {}

  /** One type-length-value field; the value is at most 65,535 bytes (less the header's other parts). */
  public record Tlv(int type, byte[] value) {
    public Tlv {
      if (type < 0 || type > 0xFF) throw new IllegalArgumentException("a TLV type is one byte: " + type);
      if (value.length > 0xFFFF) throw new IllegalArgumentException("a TLV value of " + value.length + " bytes");
      if (type == TYPE_UNIQUE_ID && value.length > MAX_UNIQUE_ID) {
        throw new IllegalArgumentException("a UniqueID of " + value.length + " bytes (at most " + MAX_UNIQUE_ID + ")");
      }
    }

    /** PP2_TYPE_AUTHORITY: the host name the client asked for (the SNI), in UTF-8. */
    public static Tlv authority(String hostname) {
      return new Tlv(TYPE_AUTHORITY, hostname.getBytes(StandardCharsets.UTF_8));
    }

    /** PP2_TYPE_ALPN: the application protocol, as the ClientHello's ALPN extension spells it. */
    public static Tlv alpn(String protocol) {
      return new Tlv(TYPE_ALPN, protocol.getBytes(StandardCharsets.US_ASCII));
    }

    /** PP2_TYPE_UNIQUE_ID: the connection's id (at most 128 bytes). */
    public static Tlv uniqueId(String id) {
      return new Tlv(TYPE_UNIQUE_ID, id.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** The header for a connection from client to the address it reached (local), with these TLVs in order. */
  public static ByteString header(InetSocketAddress client, InetSocketAddress local, List<Tlv> tlvs) {
    InetAddress src = client.getAddress();
    InetAddress dst = local.getAddress();
    boolean v4 = src instanceof Inet4Address && dst instanceof Inet4Address;
    int addresses = v4 ? 12 : 36;
    int tlvBytes = 0;
    for (Tlv t : tlvs) tlvBytes += 3 + t.value().length;
    int length = addresses + tlvBytes;
    if (length > 0xFFFF) throw new IllegalArgumentException("a PROXY v2 header of " + length + " bytes after its first 16");
    ByteBuffer b = ByteBuffer.allocate(16 + length); // big-endian, as the protocol is
    b.put(SIGNATURE).put(VERSION_PROXY).put(v4 ? TCP_OVER_IPV4 : TCP_OVER_IPV6).putShort((short) length);
    if (v4) {
      b.put(src.getAddress()).put(dst.getAddress());
    } else {
      b.put(ipv6(src)).put(ipv6(dst));
    }
    b.putShort((short) client.getPort()).putShort((short) local.getPort());
    for (Tlv t : tlvs) b.put((byte) t.type()).putShort((short) t.value().length).put(t.value());
    return ByteString.fromArrayUnsafe(b.array());
  }

  /** An address as 16 bytes: IPv6 as it is, IPv4 as IPv4-mapped (::ffff:a.b.c.d). */
  private static byte[] ipv6(InetAddress a) {
    if (a instanceof Inet6Address) return a.getAddress();
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xFF;
    mapped[11] = (byte) 0xFF;
    System.arraycopy(a.getAddress(), 0, mapped, 12, 4);
    return mapped;
  }
}
