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

    static String indent(String text) {
      StringBuilder b = new StringBuilder();
      for (String line : text.split("\n")) b.append("    ").append(line).append('\n');
      return b.toString();
    }
  }

  public static Pem selfSignedPem(String hostname) {
    return selfSignedPem(hostname, "EC");
  }

  /** A certificate authority (EC P-256): its certificate is a CA's, and it signs client certificates. */
  public record Authority(KeyPair keys, X509Certificate certificate) {
    /** ca.crt's content: the CA certificate in PEM. */
    public String pem() {
      return Certificates.pem(certificate);
    }

    /** A ConfigMap holding it as ca.crt, as YAML. */
    public String configMap(String namespace, String name) {
      return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + namespace
          + "\ndata:\n  ca.crt: |\n" + Pem.indent(pem());
    }

    /**
     * A client's TLS context: it presents a certificate for commonName (with a DNS and a URI SAN)
     * that this CA signed, and trusts exactly the server certificate given.
     */
    public SSLContext client(String commonName, X509Certificate trustedServer) {
      return issue(commonName, trustedServer).context();
    }

    /**
     * A server identity this CA signed, naming these DNS names and URIs (subjectAltName); with
     * clients not null, its context trusts that CA's client certificates (the server asks for one).
     */
    public Identity server(java.util.List<String> dnsNames, java.util.List<String> uris, Authority clients) {
      try {
        KeyPair kp = keyPair("EC");
        JcaX509v3CertificateBuilder b = builder(certificate, "CN=" + (dnsNames.isEmpty() ? "backend" : dnsNames.get(0)), kp);
        java.util.List<GeneralName> names = new java.util.ArrayList<>();
        for (String d : dnsNames) names.add(new GeneralName(GeneralName.dNSName, d));
        for (String u : uris) names.add(new GeneralName(GeneralName.uniformResourceIdentifier, u));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        char[] pw = "test".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", kp.getPrivate(), pw, new Certificate[] {cert, certificate});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), clients == null ? null : trustingOnly(clients.certificate()), null);
        return new Identity(cert, ctx);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** A client certificate this CA signed for commonName, with its key, as PEM (for a kubernetes.io/tls Secret). */
    public Pem clientPem(String commonName) {
      try {
        KeyPair kp = keyPair("EC");
        JcaX509v3CertificateBuilder b = builder(certificate, "CN=" + commonName, kp);
        b.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(new GeneralName(GeneralName.dNSName, commonName)));
        b.addExtension(Extension.extendedKeyUsage, false,
            new org.bouncycastle.asn1.x509.ExtendedKeyUsage(org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        java.util.Base64.Encoder enc = java.util.Base64.getMimeEncoder(64, "\n".getBytes());
        String key = "-----BEGIN PRIVATE KEY-----\n" + enc.encodeToString(kp.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        return new Pem(cert, Certificates.pem(cert), key);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** A client's TLS context and the certificate it presents. */
    public record Client(SSLContext context, X509Certificate certificate) {}

    /** As {@link #client}, with the certificate the context presents. */
    public Client issue(String commonName, X509Certificate trustedServer) {
      return issue(commonName, trustedServer, false);
    }

    /**
     * insist: the client presents its certificate even when the server's request names other CAs
     * (the JDK's client otherwise sends none, and the server can only say one is required).
     */
    public Client issue(String commonName, X509Certificate trustedServer, boolean insist) {
      try {
        KeyPair kp = keyPair("EC");
        JcaX509v3CertificateBuilder b = builder(certificate, "CN=" + commonName, kp);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, commonName),
            new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://example.com/" + commonName)}));
        b.addExtension(Extension.extendedKeyUsage, false,
            new org.bouncycastle.asn1.x509.ExtendedKeyUsage(org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = "test".toCharArray();
        ks.setKeyEntry("client", kp.getPrivate(), pw, new Certificate[] {cert, certificate});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        javax.net.ssl.KeyManager[] keyManagers = kmf.getKeyManagers();
        if (insist) {
          javax.net.ssl.X509ExtendedKeyManager km = (javax.net.ssl.X509ExtendedKeyManager) keyManagers[0];
          keyManagers = new javax.net.ssl.KeyManager[] {new javax.net.ssl.X509ExtendedKeyManager() {
            @Override public String[] getClientAliases(String type, java.security.Principal[] issuers) { return new String[] {"client"}; }
            @Override public String chooseClientAlias(String[] types, java.security.Principal[] issuers, java.net.Socket s) { return "client"; }
            @Override public String chooseEngineClientAlias(String[] types, java.security.Principal[] issuers, javax.net.ssl.SSLEngine e) { return "client"; }
            @Override public String[] getServerAliases(String type, java.security.Principal[] issuers) { return null; }
            @Override public String chooseServerAlias(String type, java.security.Principal[] issuers, java.net.Socket s) { return null; }
            @Override public X509Certificate[] getCertificateChain(String alias) { return km.getCertificateChain(alias); }
            @Override public java.security.PrivateKey getPrivateKey(String alias) { return km.getPrivateKey(alias); }
          }};
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers, trustingOnly(trustedServer), null);
        return new Client(ctx, cert);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  public static Authority authority(String name) {
    try {
      KeyPair kp = keyPair("EC");
      JcaX509v3CertificateBuilder b = builder(null, "CN=" + name, kp);
      b.addExtension(Extension.basicConstraints, true, new org.bouncycastle.asn1.x509.BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new org.bouncycastle.asn1.x509.KeyUsage(
          org.bouncycastle.asn1.x509.KeyUsage.keyCertSign | org.bouncycastle.asn1.x509.KeyUsage.cRLSign));
      return new Authority(kp, new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()))));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A certificate for subject's key, valid from yesterday for three days; issuer null: self-issued. */
  private static JcaX509v3CertificateBuilder builder(X509Certificate issuer, String subject, KeyPair kp) {
    X500Name name = new X500Name(subject);
    Instant now = Instant.now();
    Date from = Date.from(now.minus(1, ChronoUnit.DAYS)), to = Date.from(now.plus(2, ChronoUnit.DAYS));
    BigInteger serial = new BigInteger(64, new SecureRandom());
    return issuer == null ? new JcaX509v3CertificateBuilder(name, serial, from, to, name, kp.getPublic())
        : new JcaX509v3CertificateBuilder(issuer, serial, from, to, name, kp.getPublic());
  }

  /** Trust managers that trust exactly this certificate. */
  public static TrustManager[] trustingOnly(X509Certificate trusted) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("trusted", trusted);
      javax.net.ssl.TrustManagerFactory tmf =
          javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return tmf.getTrustManagers();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A certificate in PEM. */
  public static String pem(X509Certificate cert) {
    try {
      return "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(cert.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
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
    JcaX509v3CertificateBuilder b = builder(null, "CN=" + hostname, kp);
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
