package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The PROXY v2 header against the specification (HAProxy's proxy-protocol.txt, 2.2): a header
 * written out by hand, byte by byte, from the specification's layout; and a parser of ours,
 * written from the specification apart from the encoder, reading back seeded random headers
 * (IPv4, IPv6, mixed, TLVs of every size) field for field.
 */
class ProxyProtocolV2Test {
  static InetSocketAddress at(String ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }

  @Test
  void anIpv4HeaderWithTlvsIsTheSpecificationsBytes() throws Exception {
    byte[] got = ProxyProtocolV2.header(at("192.0.2.1", 56324), at("198.51.100.2", 443), List.of(
        ProxyProtocolV2.Tlv.authority("api.example.com"), ProxyProtocolV2.Tlv.alpn("h2"),
        ProxyProtocolV2.Tlv.uniqueId("c-1"))).toArray();
    String expected = ""
        + "0d0a0d0a000d0a515549540a"   // the signature
        + "21"                         // version 2, PROXY
        + "11"                         // TCP over IPv4
        + "0029"                       // 41 bytes follow: 12 of addresses, 3+15, 3+2, 3+3 of TLVs
        + "c0000201" + "c6336402"      // 192.0.2.1, 198.51.100.2
        + "dc04" + "01bb"              // 56324, 443
        + "02000f" + HexFormat.of().formatHex("api.example.com".getBytes())
        + "010002" + "6832"            // ALPN h2
        + "050003" + "632d31";         // UniqueID c-1
    assertEquals(expected, HexFormat.of().formatHex(got));
  }

  @Test
  void ipv6AndMixedFamiliesUseSixteenByteAddresses() throws Exception {
    byte[] v6 = ProxyProtocolV2.header(at("2001:db8::1", 1), at("2001:db8::2", 443), List.of()).toArray();
    assertEquals(0x21, v6[13], "TCP over IPv6");
    assertEquals(36, ((v6[14] & 0xFF) << 8) | (v6[15] & 0xFF));
    byte[] mixed = ProxyProtocolV2.header(at("192.0.2.1", 1), at("2001:db8::2", 443), List.of()).toArray();
    assertEquals(0x21, mixed[13], "an IPv4 client beside an IPv6 address: IPv6");
    assertEquals("00000000000000000000ffffc0000201", HexFormat.of().formatHex(mixed, 16, 32), "IPv4-mapped");
  }

  @Test
  void limitsAreRefusedWithAReason() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ProxyProtocolV2.Tlv.uniqueId("x".repeat(129)));
    assertEquals("a UniqueID of 129 bytes (at most 128)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ProxyProtocolV2.header(at("192.0.2.1", 1), at("192.0.2.2", 2),
        List.of(new ProxyProtocolV2.Tlv(0xE0, new byte[65_000]), new ProxyProtocolV2.Tlv(0xE1, new byte[1_000]))));
  }

  /** What a backend reads from a header (a parser written from the specification, not from the encoder). */
  record Parsed(InetAddress src, InetAddress dst, int srcPort, int dstPort, List<int[]> tlvTypesAndLengths,
                List<byte[]> tlvValues, int consumed) {}

  static Parsed parse(byte[] h) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(h);
    byte[] sig = new byte[12];
    b.get(sig);
    assertArrayEquals(new byte[] {13, 10, 13, 10, 0, 13, 10, 'Q', 'U', 'I', 'T', 10}, sig, "signature");
    int verCmd = b.get() & 0xFF;
    assertEquals(2, verCmd >> 4, "version");
    assertEquals(1, verCmd & 0xF, "command PROXY");
    int fam = b.get() & 0xFF;
    int len = b.getShort() & 0xFFFF;
    assertEquals(h.length - 16, len, "the length covers the rest exactly");
    int addrLen = switch (fam) {
      case 0x11 -> 4;
      case 0x21 -> 16;
      default -> throw new AssertionError("family " + fam);
    };
    byte[] s = new byte[addrLen], d = new byte[addrLen];
    b.get(s).get(d);
    int sp = b.getShort() & 0xFFFF, dp = b.getShort() & 0xFFFF;
    List<int[]> tl = new ArrayList<>();
    List<byte[]> tv = new ArrayList<>();
    while (b.hasRemaining()) {
      int type = b.get() & 0xFF;
      int l = b.getShort() & 0xFFFF;
      byte[] v = new byte[l];
      b.get(v);
      tl.add(new int[] {type, l});
      tv.add(v);
    }
    return new Parsed(InetAddress.getByAddress(s), InetAddress.getByAddress(d), sp, dp, tl, tv, b.position());
  }

  @Test
  void seededRandomHeadersReadBackFieldForField() throws Exception {
    SplittableRandom random = new SplittableRandom(20261203L);
    for (int i = 0; i < 500; i++) {
      boolean v6 = random.nextBoolean();
      byte[] sa = new byte[v6 ? 16 : 4], da = new byte[v6 ? 16 : 4];
      random.nextBytes(sa);
      random.nextBytes(da);
      InetSocketAddress src = new InetSocketAddress(InetAddress.getByAddress(sa), random.nextInt(65_536));
      InetSocketAddress dst = new InetSocketAddress(InetAddress.getByAddress(da), random.nextInt(65_536));
      List<ProxyProtocolV2.Tlv> tlvs = new ArrayList<>();
      for (int t = 0, n = random.nextInt(4); t < n; t++) {
        byte[] v = new byte[random.nextInt(300)];
        random.nextBytes(v);
        tlvs.add(new ProxyProtocolV2.Tlv(0xE0 + t, v)); // PP2_TYPE_MIN_CUSTOM and up
      }
      Parsed p = parse(ProxyProtocolV2.header(src, dst, tlvs).toArray());
      assertEquals(src.getAddress(), p.src(), "case " + i);
      assertEquals(dst.getAddress(), p.dst(), "case " + i);
      assertEquals(src.getPort(), p.srcPort(), "case " + i);
      assertEquals(dst.getPort(), p.dstPort(), "case " + i);
      assertEquals(tlvs.size(), p.tlvValues().size(), "case " + i);
      for (int t = 0; t < tlvs.size(); t++) {
        assertEquals(tlvs.get(t).type(), p.tlvTypesAndLengths().get(t)[0]);
        assertArrayEquals(tlvs.get(t).value(), p.tlvValues().get(t), "case " + i + " TLV " + t);
      }
    }
  }
}
