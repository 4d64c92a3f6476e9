package dev.passage.testkit;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSocket;

/**
 * A real TLS server on 127.0.0.1 with its own certificate. After the handshake it speaks first
 * ("hello from NAME sni=SNI"), then obeys one command line from the client:
 * ECHO (echo until EOF), HALF (read until EOF, then answer with the byte count), SEND n
 * (send n zero bytes, then close), or BULK n (send n random bytes while reading n, then report both SHA-256 digests).
 * It records every connection's SNI and its first raw bytes (the ClientHello as it arrived).
 */
public final class TlsBackend implements AutoCloseable {
  public final String name;
  public final Certificates.Identity identity;
  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "backend");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger connections = new AtomicInteger();
  private final List<String> snis = new CopyOnWriteArrayList<>();
  private final List<byte[]> firstBytes = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  public TlsBackend(String name, String certificateHost) throws IOException {
    this(name, certificateHost, InetAddress.getLoopbackAddress());
  }

  /** A backend listening on this address (any free port). */
  public TlsBackend(String name, String certificateHost, InetAddress address) throws IOException {
    this(name, Certificates.selfSigned(certificateHost), address);
  }

  /** A backend with this identity (a CA-signed one, say) on this address. */
  public TlsBackend(String name, Certificates.Identity identity, InetAddress address) throws IOException {
    this.name = name;
    this.identity = identity;
    this.server = new ServerSocket(0, 200, address) {
      @Override
      public Socket accept() throws IOException {
        WireSocket s = new WireSocket(WireSocket.Shape.AS_IS);
        implAccept(s);
        s.setTcpNoDelay(true);
        return s;
      }
    };
    Thread acceptor = new Thread(this::acceptLoop, "backend-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  public int connections() {
    return connections.get();
  }

  public List<String> snis() {
    return List.copyOf(snis);
  }

  public List<byte[]> firstBytes() {
    return List.copyOf(firstBytes);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket raw = server.accept();
        open.add(raw);
        pool.execute(() -> serve((WireSocket) raw));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(WireSocket raw) {
    try (SSLSocket tls = (SSLSocket) identity.serverContext().getSocketFactory()
        .createSocket(raw, null, raw.getPort(), true)) {
      tls.setUseClientMode(false);
      tls.startHandshake();
      connections.incrementAndGet();
      String sni = ((ExtendedSSLSession) tls.getSession()).getRequestedServerNames().stream()
          .filter(n -> n instanceof SNIHostName).map(n -> ((SNIHostName) n).getAsciiName()).findFirst().orElse("");
      snis.add(sni);
      firstBytes.add(raw.received());
      OutputStream out = tls.getOutputStream();
      InputStream in = tls.getInputStream();
      out.write(("hello from " + name + " sni=" + sni + "\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String command = readLine(in);
      if (command == null) return;
      if (command.equals("ECHO")) {
        in.transferTo(out);
      } else if (command.equals("HALF")) {
        long n = in.transferTo(OutputStream.nullOutputStream());
        out.write(("got " + n + " bytes\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } else if (command.startsWith("SEND ")) {
        byte[] buf = new byte[256 * 1024];
        for (long left = Long.parseLong(command.substring(5)); left > 0; left -= buf.length) {
          out.write(buf, 0, (int) Math.min(buf.length, left));
        }
        out.flush();
      } else if (command.startsWith("BULK ")) {
        bulk(in, out, Long.parseLong(command.substring(5)));
      }
    } catch (Exception e) {
      // a client that goes away is routine for a test backend
    }
  }

  private void bulk(InputStream in, OutputStream out, long n) throws Exception {
    MessageDigest sentDigest = MessageDigest.getInstance("SHA-256");
    var writer = pool.submit(() -> {
      Random random = new Random(n);
      byte[] buf = new byte[64 * 1024];
      for (long left = n; left > 0; ) {
        random.nextBytes(buf);
        int len = (int) Math.min(buf.length, left);
        out.write(buf, 0, len);
        sentDigest.update(buf, 0, len);
        left -= len;
      }
      out.flush();
      return null;
    });
    MessageDigest receivedDigest = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[64 * 1024];
    for (long left = n; left > 0; ) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) throw new IOException("client closed early");
      receivedDigest.update(buf, 0, r);
      left -= r;
    }
    writer.get();
    HexFormat hex = HexFormat.of();
    out.write(("sha " + hex.formatHex(receivedDigest.digest()) + " " + hex.formatHex(sentDigest.digest()) + "\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  public static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
      line.write(c);
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    pool.shutdownNow();
  }
}
