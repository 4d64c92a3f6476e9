package dev.passage.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain HTTP/1.1 backend (the JDK's server) that answers with what it received, one line each:
 * backend=NAME, method=, path= (raw), query= (raw), host=, then header:NAME=VALUE per header line
 * (names lower-cased, in order). Special paths: /upload reads the body and answers its sha256 and
 * length; /download?bytes=N streams N bytes of {@link #content}; /slow?ms=N waits first. A request
 * header "X-Echo-Set-Header: Name: value" is answered with that response header.
 */
public final class EchoHttpBackend implements AutoCloseable {
  public final String name;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  public final AtomicInteger requests = new AtomicInteger();

  public EchoHttpBackend(String name) throws IOException {
    this(name, null, false);
  }

  /**
   * An HTTPS backend with this identity (tls not null); needClientCertificate: it refuses a
   * handshake without a client certificate its context trusts. Each answer then says the SNI the
   * client sent ("sni=") and the subject of its certificate ("client=", "-" for none).
   */
  public EchoHttpBackend(String name, Certificates.Identity tls, boolean needClientCertificate) throws IOException {
    this.name = name;
    if (tls == null) {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    } else {
      com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
      https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls.serverContext()) {
        @Override
        public void configure(com.sun.net.httpserver.HttpsParameters params) {
          javax.net.ssl.SSLParameters p = tls.serverContext().getDefaultSSLParameters();
          p.setNeedClientAuth(needClientCertificate);
          params.setSSLParameters(p);
        }
      });
      server = https;
    }
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The bytes /download streams: the same for the same length, so a client can compare digests. */
  public static InputStream content(long bytes) {
    return new InputStream() {
      final Random random = new Random(42);
      long left = bytes;

      @Override
      public int read() {
        if (left-- <= 0) return -1;
        return random.nextInt(256);
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) return -1;
        int n = (int) Math.min(len, left);
        byte[] chunk = new byte[n];
        random.nextBytes(chunk);
        System.arraycopy(chunk, 0, b, off, n);
        left -= n;
        return n;
      }
    };
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      String set = ex.getRequestHeaders().getFirst("X-Echo-Set-Header");
      if (set != null) {
        int colon = set.indexOf(':');
        ex.getResponseHeaders().add(set.substring(0, colon).trim(), set.substring(colon + 1).trim());
      }
      ex.getResponseHeaders().add("Backend", name);
      if (path.startsWith("/slow")) {
        Thread.sleep(Long.parseLong(query.substring(query.indexOf('=') + 1)));
      }
      if (path.startsWith("/upload")) {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long length = 0;
        byte[] buf = new byte[65536];
        try (InputStream in = ex.getRequestBody()) {
          for (int n; (n = in.read(buf)) > 0; ) {
            sha.update(buf, 0, n);
            length += n;
          }
        }
        answer(ex, "sha256=" + HexFormat.of().formatHex(sha.digest()) + "\nlength=" + length + "\n");
        return;
      }
      if (path.startsWith("/download")) {
        long bytes = Long.parseLong(query.substring(query.indexOf('=') + 1));
        ex.sendResponseHeaders(200, 0); // chunked
        try (OutputStream out = ex.getResponseBody(); InputStream in = content(bytes)) {
          in.transferTo(out);
        }
        return;
      }
      ex.getRequestBody().readAllBytes();
      StringBuilder b = new StringBuilder();
      b.append("backend=").append(name).append('\n');
      if (ex instanceof com.sun.net.httpserver.HttpsExchange https) {
        javax.net.ssl.SSLSession session = https.getSSLSession();
        String sni = session instanceof javax.net.ssl.ExtendedSSLSession e && !e.getRequestedServerNames().isEmpty()
            ? ((javax.net.ssl.SNIHostName) e.getRequestedServerNames().get(0)).getAsciiName() : "-";
        String client;
        try {
          client = ((java.security.cert.X509Certificate) session.getPeerCertificates()[0]).getSubjectX500Principal().getName();
        } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
          client = "-";
        }
        b.append("sni=").append(sni).append('\n').append("client=").append(client).append('\n');
      }
      b.append("method=").append(ex.getRequestMethod()).append('\n');
      b.append("path=").append(path).append('\n');
      b.append("query=").append(query == null ? "" : query).append('\n');
      List<String> lines = new ArrayList<>();
      for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
        for (String v : h.getValue()) lines.add("header:" + h.getKey().toLowerCase() + "=" + v);
      }
      lines.sort(null);
      lines.forEach(l -> b.append(l).append('\n'));
      answer(ex, b.toString());
    } catch (Exception e) {
      if (e instanceof IOException io) throw io;
      throw new IOException(e);
    }
  }

  private static void answer(HttpExchange ex, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
