package dev.passage.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ticket keys derived from a Secret's bytes: the same on every node, rotated one key deep. */
class SessionTicketKeysTest {
  @Test
  void hkdfIsRfc5869() {
    // RFC 5869, appendix A.1 (SHA-256)
    HexFormat hex = HexFormat.of();
    byte[] okm = SessionTicketKeys.hkdfSha256(hex.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
        hex.parseHex("000102030405060708090a0b0c"), hex.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
    assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        hex.formatHex(okm));
  }

  @Test
  void theSameSecretGivesTheSameKeyAndAnotherSecretAnother() {
    byte[] secret = new byte[32];
    new java.util.Random(7).nextBytes(secret);
    SessionTicketKeys.Key one = SessionTicketKeys.derive(secret.clone());
    SessionTicketKeys.Key two = SessionTicketKeys.derive(secret.clone());
    assertEquals(one, two);
    assertArrayEquals(one.aesKey(), two.aesKey());
    assertEquals(16, one.name().length);
    assertEquals(16, one.hmacKey().length);
    assertEquals(16, one.aesKey().length);
    assertTrue(!java.util.Arrays.equals(one.hmacKey(), one.aesKey()), "independent keys");
    secret[0] ^= 1;
    assertNotEquals(one, SessionTicketKeys.derive(secret));
    assertEquals(16, one.id().length(), "8 bytes of the name, in hex");
    assertTrue(!one.toString().contains(HexFormat.of().formatHex(one.aesKey())), "never the key in a log");
  }

  @Test
  void aSecretShorterThan32BytesIsRefusedSayingWhatIsNeeded() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SessionTicketKeys.derive(new byte[31]));
    assertTrue(e.getMessage().contains("31 bytes") && e.getMessage().contains("at least 32"), e.getMessage());
  }

  @Test
  void aRotationKeepsThePreviousKeyForDecryptingOnly() {
    SessionTicketKeys.Key a = SessionTicketKeys.derive(new byte[32]);
    SessionTicketKeys.Key b = SessionTicketKeys.derive(new byte[33]);
    SessionTicketKeys.Key c = SessionTicketKeys.derive(new byte[34]);
    SessionTicketKeys keys = SessionTicketKeys.first(a);
    assertNull(keys.previous());
    assertSame(keys, keys.rotatedTo(a), "the same key again is no rotation");
    keys = keys.rotatedTo(b);
    assertEquals(List.of(b, a), keys.inOrder(), "the new key encrypts, the previous decrypts");
    keys = keys.rotatedTo(c);
    assertEquals(List.of(c, b), keys.inOrder(), "one rotation deep");
    assertEquals(2, keys.openssl().length);
  }
}
