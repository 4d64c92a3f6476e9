package dev.passage.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A real TLS client (JDK SSLSocket) with SNI, over a {@link WireSocket} that can reshape the hello. */
public final class TlsClient implements AutoCloseable {
  private static final SSLContext CONTEXT = Certificates.trustingClient();

  public final WireSocket wire;
  public final SSLSocket tls;
  public final String greeting;

  private TlsClient(WireSocket wire, SSLSocket tls, String greeting) {
    this.wire = wire;
    this.tls = tls;
    this.greeting = greeting;
  }

  public static TlsClient connect(int port, String sni) throws IOException {
    return connect("127.0.0.1", port, sni, WireSocket.Shape.AS_IS, List.of());
  }

  public static TlsClient connect(int port, String sni, WireSocket.Shape shape, List<String> alpn) throws IOException {
    return connect("127.0.0.1", port, sni, shape, alpn);
  }

  /** Connects, completes the handshake and reads the backend's greeting line. */
  public static TlsClient connect(String host, int port, String sni, WireSocket.Shape shape, List<String> alpn)
      throws IOException {
    WireSocket wire = new WireSocket(shape);
    wire.setTcpNoDelay(true);
    wire.setSoTimeout(20_000);
    wire.connect(new InetSocketAddress(host, port), 5_000);
    SSLSocket tls = (SSLSocket) CONTEXT.getSocketFactory().createSocket(wire, sni, port, true);
    SSLParameters p = tls.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    if (!alpn.isEmpty()) p.setApplicationProtocols(alpn.toArray(String[]::new));
    tls.setSSLParameters(p);
    tls.setUseClientMode(true);
    tls.startHandshake();
    String greeting = TlsBackend.readLine(tls.getInputStream());
    return new TlsClient(wire, tls, greeting);
  }

  public X509Certificate peerCertificate() throws IOException {
    return (X509Certificate) tls.getSession().getPeerCertificates()[0];
  }

  public void send(String text) throws IOException {
    OutputStream out = tls.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  public String readLine() throws IOException {
    return TlsBackend.readLine(tls.getInputStream());
  }

  public InputStream in() throws IOException {
    return tls.getInputStream();
  }

  @Override
  public void close() throws IOException {
    tls.close();
  }

  /** The bytes of a ClientHello as a JDK client would send them; sni null for none. */
  public static byte[] clientHello(String sni) throws Exception {
    SSLEngine engine = sni == null ? CONTEXT.createSSLEngine() : CONTEXT.createSSLEngine(sni, 443);
    engine.setUseClientMode(true);
    if (sni != null) {
      SSLParameters p = engine.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(sni)));
      engine.setSSLParameters(p);
    }
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    return bytes;
  }

  /**
   * Sends these bytes on a plain connection and reads until the gateway closes it. Returns what
   * came back: empty for a clean close (FIN) with no TLS alert. A reset throws.
   */
  public static byte[] sendAndReadUntilClosed(int port, byte[] bytes) throws IOException {
    try (Socket s = new Socket()) {
      s.setSoTimeout(30_000);
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      if (bytes.length > 0) {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
      }
      return readToEnd(s.getInputStream());
    }
  }

  /**
   * Sends a ClientHello for sni and says whether Passage refused it: true for a plain close with
   * nothing sent back, false when a backend answered (a ServerHello).
   */
  public static boolean refused(int port, String sni) throws Exception {
    return refused("127.0.0.1", port, sni);
  }

  public static boolean refused(String host, int port, String sni) throws Exception {
    try (Socket s = new Socket()) {
      s.setSoTimeout(30_000);
      s.connect(new InetSocketAddress(host, port), 5_000);
      s.getOutputStream().write(clientHello(sni));
      s.getOutputStream().flush();
      return s.getInputStream().read() < 0;
    }
  }

  public static byte[] readToEnd(InputStream in) throws IOException {
    List<Byte> got = new ArrayList<>();
    byte[] buf = new byte[4096];
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        for (int i = 0; i < n; i++) got.add(buf[i]);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection was not closed within the read timeout", e);
    }
    byte[] out = new byte[got.size()];
    for (int i = 0; i < out.length; i++) out[i] = got.get(i);
    return out;
  }

  public static boolean startsWith(byte[] data, byte[] prefix) {
    return data.length >= prefix.length && Arrays.equals(Arrays.copyOf(data, prefix.length), prefix);
  }

  /** A TLS connection to host:port with SNI, trusting exactly this certificate (and checking the host name against it). */
  public static javax.net.ssl.SSLSocket connectTrusting(String host, int port, java.security.cert.X509Certificate trusted,
                                                       String sni) throws Exception {
    return connect(trusting(trusted), host, port, sni);
  }

  /** A client context trusting one certificate; connections made with it again may resume its sessions. */
  public static SSLContext trusting(java.security.cert.X509Certificate trusted) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, Certificates.trustingOnly(trusted), null);
    return ctx;
  }

  /** A TLS connection made with ctx, the server's name checked against sni. */
  public static javax.net.ssl.SSLSocket connect(SSLContext ctx, String host, int port, String sni) throws Exception {
    java.net.Socket plain = new java.net.Socket();
    plain.connect(new InetSocketAddress(host, port), 5000);
    plain.setSoTimeout(10_000);
    SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(plain, sni, port, true);
    SSLParameters p = tls.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    p.setEndpointIdentificationAlgorithm("HTTPS");
    tls.setSSLParameters(p);
    tls.startHandshake();
    return tls;
  }

  /** Sends a line, returns the line that comes back. */
  public static String exchangeLine(SSLSocket tls, String line) throws IOException {
    tls.getOutputStream().write((line + "\n").getBytes(StandardCharsets.ISO_8859_1));
    tls.getOutputStream().flush();
    return TlsBackend.readLine(tls.getInputStream());
  }
}
