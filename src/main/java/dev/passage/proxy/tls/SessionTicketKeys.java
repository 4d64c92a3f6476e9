package dev.passage.proxy.tls;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys that encrypt TLS session tickets (TLS 1.3 and 1.2), derived by every node from the same
 * secret bytes (passage.tls.session-tickets.secret), so that a client resumes its session on any
 * node. A ticket key is 48 bytes: a 16-byte name (sent in the clear in each ticket, so it doubles
 * as the key's public id), a 16-byte HMAC key and a 16-byte AES key, expanded from the secret with
 * HKDF-SHA256 (RFC 5869). The secret itself never leaves the node: neither it nor the keys are in
 * the replicated tables.
 *
 * <p>Rotation: when the secret changes, the new key encrypts the tickets that follow, and the
 * previous one (as this node saw it) still decrypts, for one rotation.
 */
public record SessionTicketKeys(Key current, Key previous) {
  /** The least secret a key is derived from: 32 bytes, a 256-bit secret. */
  public static final int MIN_SECRET_BYTES = 32;
  private static final byte[] SALT = "passage session tickets".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] INFO = "ticket key v1".getBytes(StandardCharsets.US_ASCII);

  /** One ticket key. */
  public record Key(byte[] name, byte[] hmacKey, byte[] aesKey) {
    /** The name's first 8 bytes in hex: safe to log (every ticket carries the name in the clear). */
    public String id() {
      return HexFormat.of().formatHex(name, 0, 8);
    }

    OpenSslSessionTicketKey openssl() {
      return new OpenSslSessionTicketKey(name, hmacKey, aesKey);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(name, k.name) && Arrays.equals(hmacKey, k.hmacKey)
          && Arrays.equals(aesKey, k.aesKey);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(name);
    }

    @Override
    public String toString() {
      return "Key[" + id() + "]"; // never the key bytes
    }
  }

  /** The key a secret gives, the same on every node; refused (one line) when the secret is too short. */
  public static Key derive(byte[] secret) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("ticket-key holds " + secret.length + " bytes; at least " + MIN_SECRET_BYTES
          + " are needed (e.g. head -c 48 /dev/urandom)");
    }
    byte[] okm = hkdfSha256(secret, SALT, INFO, 48);
    return new Key(Arrays.copyOfRange(okm, 0, 16), Arrays.copyOfRange(okm, 16, 32), Arrays.copyOfRange(okm, 32, 48));
  }

  /** The keys after the secret changed to give next: next encrypts, the current one still decrypts. */
  public SessionTicketKeys rotatedTo(Key next) {
    if (next.equals(current)) return this;
    return new SessionTicketKeys(next, current);
  }

  /** The first key a node has: nothing older to decrypt with. */
  public static SessionTicketKeys first(Key key) {
    return new SessionTicketKeys(key, null);
  }

  /** In BoringSSL's order: the first encrypts new tickets, every one decrypts. */
  List<Key> inOrder() {
    return previous == null ? List.of(current) : List.of(current, previous);
  }

  OpenSslSessionTicketKey[] openssl() {
    return inOrder().stream().map(Key::openssl).toArray(OpenSslSessionTicketKey[]::new);
  }

  /** RFC 5869: extract then expand. */
  static byte[] hkdfSha256(byte[] ikm, byte[] salt, byte[] info, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt, "HmacSHA256"));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      byte[] out = new byte[length];
      byte[] t = new byte[0];
      int written = 0;
      for (int i = 1; written < length; i++) {
        mac.update(t);
        mac.update(info);
        mac.update((byte) i);
        t = mac.doFinal();
        int n = Math.min(t.length, length - written);
        System.arraycopy(t, 0, out, written, n);
        written += n;
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }
}
