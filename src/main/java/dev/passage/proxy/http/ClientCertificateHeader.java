package dev.passage.proxy.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * X-Forwarded-Client-Cert, in Envoy's format, for the client certificate an HTTPS listener's
 * frontend validation accepted: {@code Hash=<SHA-256 of the leaf's DER, hex>;Cert="<the leaf in PEM,
 * URL-encoded>";Subject="<RFC 2253 subject>"}, then {@code ;URI=<SAN>} and {@code ;DNS=<SAN>} for
 * each such subject alternative name. A header of that name from the client is always removed: a
 * backend can trust the one it gets, and gets none when no certificate was verified.
 */
final class ClientCertificateHeader {
  static final String NAME = "X-Forwarded-Client-Cert";

  private ClientCertificateHeader() {}

  static List<HttpHeader> set(List<HttpHeader> headers, String value) {
    List<HttpHeader> out = new ArrayList<>(headers.size() + 1);
    for (HttpHeader h : headers) if (!h.is("x-forwarded-client-cert")) out.add(h);
    if (value != null) out.add(RawHeader.create(NAME, value));
    return out;
  }

  /** The header's value for a verified chain (leaf first). */
  static String value(X509Certificate[] chain) {
    X509Certificate leaf = chain[0];
    try {
      byte[] der = leaf.getEncoded();
      String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
          + "\n-----END CERTIFICATE-----\n";
      StringBuilder v = new StringBuilder()
          .append("Hash=").append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der)))
          .append(";Cert=\"").append(URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20")).append('"')
          .append(";Subject=\"").append(leaf.getSubjectX500Principal().getName().replace("\"", "\\\"")).append('"');
      for (dev.passage.resources.Pem.AltName n : dev.passage.resources.Pem.subjectAltNames(leaf)) {
        v.append(n.dns() ? ";DNS=" : ";URI=").append(n.value());
      }
      return v.toString();
    } catch (Exception e) {
      return null; // a certificate that cannot be encoded again is not forwarded
    }
  }
}
