package dev.passage.resources;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PEM a Secret or a ConfigMap holds, read: certificates (a chain, a CA bundle), a private key
 * (PKCS#8, PKCS#1 for RSA or SEC1 for EC), whether a certificate and a key belong together, and a
 * certificate's subjectAltNames. The rules judge a listener's certificateRefs with it and the data
 * plane makes its TLS contexts with it: one reading for both.
 */
public final class Pem {
  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

  private Pem() {}

  /** One subjectAltName of a certificate: a DNS name or a URI (the kinds Passage reads), as written there. */
  public record AltName(boolean dns, String value) {}

  /** A certificate's DNS and URI subjectAltNames, in the certificate's order (other kinds left out). */
  public static java.util.List<AltName> subjectAltNames(X509Certificate cert)
      throws java.security.cert.CertificateParsingException {
    java.util.List<AltName> out = new java.util.ArrayList<>();
    java.util.Collection<java.util.List<?>> sans = cert.getSubjectAlternativeNames();
    if (sans == null) return out;
    for (java.util.List<?> san : sans) {
      Object type = san.get(0); // GeneralName's tag: 2 dNSName, 6 uniformResourceIdentifier
      if (Integer.valueOf(2).equals(type)) out.add(new AltName(true, String.valueOf(san.get(1))));
      else if (Integer.valueOf(6).equals(type)) out.add(new AltName(false, String.valueOf(san.get(1))));
    }
    return out;
  }

  /** A Secret's certificate chain (leaf first) and its private key, ready for a TLS server. */
  public record KeyMaterial(java.util.List<X509Certificate> chain, PrivateKey key) {}

  /** The key material of tls.crt (which may hold a chain) and tls.key, or empty when they are not a usable pair. */
  public static Optional<KeyMaterial> keyMaterial(String crtPem, String keyPem) {
    if (problem(crtPem, keyPem) != null) return Optional.empty();
    java.util.List<X509Certificate> chain = certificates(crtPem);
    if (chain.isEmpty()) return Optional.empty();
    PrivateKey key = privateKey(keyPem, chain.get(0).getPublicKey().getAlgorithm());
    return key == null ? Optional.empty() : Optional.of(new KeyMaterial(chain, key));
  }

  /** The certificates of a PEM text (a chain, a CA bundle), in order; empty when there are none or it does not parse. */
  public static java.util.List<X509Certificate> certificates(String pem) {
    if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) return java.util.List.of();
    try {
      java.util.List<X509Certificate> out = new java.util.ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        out.add((X509Certificate) c);
      }
      return java.util.List.copyOf(out);
    } catch (Exception e) {
      return java.util.List.of();
    }
  }

  /** Why tls.crt and tls.key are not a usable pair, or null when they are. */
  public static String problem(String crtPem, String keyPem) {
    if (crtPem == null || keyPem == null) return "tls.crt and tls.key are both required";
    X509Certificate cert;
    try {
      Matcher m = PEM.matcher(crtPem);
      if (!m.find() || !m.group(1).equals("CERTIFICATE")) return "tls.crt holds no PEM certificate";
      cert = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(crtPem.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      return "tls.crt is not a valid certificate";
    }
    PrivateKey key = privateKey(keyPem, cert.getPublicKey().getAlgorithm());
    if (key == null) return "tls.key holds no PEM private key Passage can read";
    try {
      String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
      byte[] probe = "passage".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(alg);
      signer.initSign(key);
      signer.update(probe);
      byte[] sig = signer.sign();
      Signature verifier = Signature.getInstance(alg);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      return verifier.verify(sig) ? null : "tls.key does not match the certificate in tls.crt";
    } catch (Exception e) {
      return "tls.key does not match the certificate in tls.crt";
    }
  }

  private static PrivateKey privateKey(String pem, String certAlgorithm) {
    Matcher m = PEM.matcher(pem);
    if (!m.find()) return null;
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2).trim());
    } catch (IllegalArgumentException e) {
      return null;
    }
    try {
      return switch (m.group(1)) {
        case "PRIVATE KEY" -> KeyFactory.getInstance(certAlgorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        case "RSA PRIVATE KEY" -> KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
            Der.pkcs8(Der.sequence(Der.oid(RSA_OID), Der.NULL), der)));
        case "EC PRIVATE KEY" -> KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
            Der.pkcs8(Der.sequence(Der.oid(EC_OID), Der.curveOf(der)), der)));
        default -> null;
      };
    } catch (Exception e) {
      return null;
    }
  }

  private static final byte[] RSA_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  private static final byte[] EC_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

  /** Just enough DER to wrap PKCS#1 and SEC1 keys in PKCS#8, which the JDK reads. */
  private static final class Der {
    static final byte[] NULL = {0x05, 0x00};

    static byte[] tlv(int tag, byte[] value) {
      int n = value.length;
      byte[] len = n < 128 ? new byte[] {(byte) n}
          : n < 256 ? new byte[] {(byte) 0x81, (byte) n}
          : new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
      byte[] out = new byte[1 + len.length + n];
      out[0] = (byte) tag;
      System.arraycopy(len, 0, out, 1, len.length);
      System.arraycopy(value, 0, out, 1 + len.length, n);
      return out;
    }

    static byte[] concat(byte[]... parts) {
      int n = 0;
      for (byte[] p : parts) n += p.length;
      byte[] out = new byte[n];
      int o = 0;
      for (byte[] p : parts) {
        System.arraycopy(p, 0, out, o, p.length);
        o += p.length;
      }
      return out;
    }

    static byte[] sequence(byte[]... parts) {
      return tlv(0x30, concat(parts));
    }

    static byte[] oid(byte[] body) {
      return tlv(0x06, body);
    }

    static byte[] pkcs8(byte[] algorithm, byte[] key) {
      return sequence(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key));
    }

    /** The curve OID TLV inside a SEC1 ECPrivateKey's [0] parameters. */
    static byte[] curveOf(byte[] sec1) {
      int i = 0;
      if ((sec1[i++] & 0xff) != 0x30) throw new IllegalArgumentException();
      i = skipLength(sec1, i);
      while (i < sec1.length) {
        int tag = sec1[i] & 0xff;
        int lenStart = i + 1;
        int valueStart = skipLength(sec1, lenStart);
        int len = length(sec1, lenStart);
        if (tag == 0xa0) return java.util.Arrays.copyOfRange(sec1, valueStart, valueStart + len);
        i = valueStart + len;
      }
      throw new IllegalArgumentException("no curve in SEC1 key");
    }

    private static int length(byte[] b, int i) {
      int first = b[i] & 0xff;
      if (first < 128) return first;
      int n = 0;
      for (int k = 1; k <= (first & 0x7f); k++) n = (n << 8) | (b[i + k] & 0xff);
      return n;
    }

    private static int skipLength(byte[] b, int i) {
      int first = b[i] & 0xff;
      return first < 128 ? i + 1 : i + 1 + (first & 0x7f);
    }
  }
}
