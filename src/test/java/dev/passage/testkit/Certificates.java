package dev.passage.testkit;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed certificates made on the spot, so every test backend holds its own key. */
public final class Certificates {
  private Certificates() {}

  public record Identity(X509Certificate certificate, SSLContext serverContext) {}

  /** A self-signed certificate and its key as PEM (tls.crt, and tls.key in PKCS#8), for a Secret. */
  public record Pem(X509Certificate certificate, String crt, String key) {
    /** A kubernetes.io/tls Secret holding them, as YAML (stringData). */
    public String secret(String namespace, String name) {
      return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\n  namespace: " + namespace
          + "\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: |\n" + indent(crt) + "  tls.key: |\n" + indent(key);
    }

    private static String indent(String text) {
      StringBuilder b = new StringBuilder();
      for (String line : text.split("\n")) b.append("    ").append(line).append('\n');
      return b.toString();
    }
  }

  public static Pem selfSignedPem(String hostname) {
    return selfSignedPem(hostname, "EC");
  }

  /** A self-signed key pair and certificate: algorithm "EC" (P-256, the default elsewhere) or "RSA" (2048). */
  public record KeyAndCertificate(KeyPair keys, X509Certificate certificate) {}

  public static KeyAndCertificate selfSignedKey(String hostname, String algorithm) {
    try {
      KeyPair kp = keyPair(algorithm);
      return new KeyAndCertificate(kp, certificate(hostname, kp, algorithm));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** As {@link #selfSignedPem(String)}, with an "EC" or "RSA" key. */
  public static Pem selfSignedPem(String hostname, String algorithm) {
    try {
      KeyAndCertificate made = selfSignedKey(hostname, algorithm);
      KeyPair kp = made.keys();
      X509Certificate cert = made.certificate();
      java.util.Base64.Encoder enc = java.util.Base64.getMimeEncoder(64, "\n".getBytes());
      String crt = "-----BEGIN CERTIFICATE-----\n" + enc.encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n";
      String key = "-----BEGIN PRIVATE KEY-----\n" + enc.encodeToString(kp.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
      return new Pem(cert, crt, key);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static Identity selfSigned(String hostname) {
    try {
      KeyPair kp = keyPair("EC");
      X509Certificate cert = certificate(hostname, kp, "EC");
      char[] pw = "test".toCharArray();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("key", kp.getPrivate(), pw, new Certificate[] {cert});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return new Identity(cert, ctx);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair(String algorithm) throws Exception {
    KeyPairGenerator kpg = KeyPairGenerator.getInstance(algorithm);
    kpg.initialize(algorithm.equals("EC") ? 256 : 2048);
    return kpg.generateKeyPair();
  }

  /** A self-signed certificate for hostname (CN and DNS SAN), valid from yesterday for three days. */
  private static X509Certificate certificate(String hostname, KeyPair kp, String algorithm) throws Exception {
    X500Name name = new X500Name("CN=" + hostname);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
        Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(2, ChronoUnit.DAYS)), name, kp.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, hostname)));
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(algorithm.equals("EC") ? "SHA256withECDSA" : "SHA256withRSA")
        .build(kp.getPrivate())));
  }

  /**
   * A client context that accepts any server certificate: the tests check instead that the
   * certificate presented through Passage is the chosen backend's own.
   */
  public static SSLContext trustingClient() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
