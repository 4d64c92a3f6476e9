package dev.passage.bench;

import dev.passage.testkit.Certificates;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;

/**
 * A benchmark, not a test: the server side of TLS in each library Passage could terminate with,
 * measured on one thread with the bytes in memory (no sockets, no Pekko), so that only the
 * library's cost is compared: the JDK's SunJSSE, BoringSSL through Netty's OpenSSL engine (as
 * Passage builds it: ServerContexts), and Conscrypt (BoringSSL through Google's JSSE provider).
 * A JDK client engine does the other side; only the CPU spent in the server engine's calls (and
 * its delegated tasks) is counted. Full handshakes only (a new client engine each time, no
 * session to resume), TLS 1.3, for an ECDSA P-256 and an RSA 2048 certificate; then bulk: 16 KiB
 * records each way over one session. Rounds interleave the libraries; ratios are to the JDK.
 * <pre>
 *   mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.bench.TlsEngineBenchmark -Dexec.classpathScope=test \
 *       -Dexec.args="2000 3"
 * </pre>
 * Arguments: handshakes per round and library (default 2000), rounds (default 3).
 */
public final class TlsEngineBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final String[] PROTOCOLS = {"TLSv1.3"};

  public static void main(String[] args) throws Exception {
    int handshakes = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    SSLContext client = Certificates.trustingClient();
    System.out.printf("%d cores, Java %s; %d full handshakes a library and round, %d rounds%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), handshakes, rounds);
    for (String algorithm : List.of("EC", "RSA")) {
      Certificates.KeyAndCertificate made = Certificates.selfSignedKey("bench.example.com", algorithm);
      KeyPair kp = made.keys();
      X509Certificate cert = made.certificate();
      Map<String, Supplier<SSLEngine>> servers = new LinkedHashMap<>();
      servers.put("jdk", jdk(kp, cert, null));
      SslContext boring = SslContextBuilder.forServer(kp.getPrivate(), cert).sslProvider(SslProvider.OPENSSL_REFCNT)
          .protocols(PROTOCOLS).build();
      servers.put("openssl (BoringSSL, Netty)", () -> boring.newEngine(ByteBufAllocator.DEFAULT));
      Provider conscrypt = org.conscrypt.Conscrypt.newProvider();
      servers.put("conscrypt", jdk(kp, cert, conscrypt));
      Map<String, List<Double>> handshakeMicros = new LinkedHashMap<>();
      Map<String, List<Double>> bulkMsPerGiB = new LinkedHashMap<>();
      for (int r = -1; r < rounds; r++) { // round -1 warms the JIT up
        for (var e : servers.entrySet()) {
          double us = handshakes(client, e.getValue(), r < 0 ? handshakes / 2 : handshakes);
          double ms = bulk(client, e.getValue(), r < 0 ? 2048 : 8192);
          if (r >= 0) {
            handshakeMicros.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(us);
            bulkMsPerGiB.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(ms);
          }
        }
      }
      ReferenceCountUtil.release(boring);
      System.out.printf("%n%s certificate: the server's CPU (median of %d rounds)%n",
          algorithm.equals("EC") ? "ECDSA P-256" : "RSA 2048", rounds);
      double jdkHs = median(handshakeMicros.get("jdk")), jdkBulk = median(bulkMsPerGiB.get("jdk"));
      for (String name : servers.keySet()) {
        double hs = median(handshakeMicros.get(name)), bulk = median(bulkMsPerGiB.get(name));
        System.out.printf("  %-28s %8.0f us a full handshake (%.2fx jdk)   %7.0f CPU-ms a GiB each way (%.2fx jdk)   rounds %s%n",
            name, hs, hs / jdkHs, bulk, bulk / jdkBulk, handshakeMicros.get(name).stream().map(x -> String.format("%.0f", x)).toList());
      }
    }
  }

  private static Supplier<SSLEngine> jdk(KeyPair kp, X509Certificate cert, Provider provider) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("key", kp.getPrivate(), new char[0], new Certificate[] {cert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext ctx = provider == null ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", provider);
    ctx.init(kmf.getKeyManagers(), null, null);
    return () -> {
      SSLEngine e = ctx.createSSLEngine();
      e.setUseClientMode(false);
      SSLParameters p = e.getSSLParameters();
      p.setProtocols(PROTOCOLS);
      e.setSSLParameters(p);
      return e;
    };
  }

  /** Microseconds of server CPU a full handshake. */
  private static double handshakes(SSLContext client, Supplier<SSLEngine> servers, int n) throws Exception {
    long serverNanos = 0;
    for (int i = 0; i < n; i++) {
      Pair p = new Pair(client, servers.get());
      p.handshake();
      serverNanos += p.serverNanos;
      p.close();
    }
    return serverNanos / 1e3 / n;
  }

  /** CPU-milliseconds the server spends a GiB, records of 16 KiB decrypted from the client and as many encrypted to it. */
  private static double bulk(SSLContext client, Supplier<SSLEngine> servers, int records) throws Exception {
    Pair p = new Pair(client, servers.get());
    p.handshake();
    p.serverNanos = 0;
    byte[] data = new byte[16 * 1024];
    new SecureRandom().nextBytes(data);
    for (int i = 0; i < records; i++) {
      p.clientToServer(ByteBuffer.wrap(data));
      p.serverToClient(ByteBuffer.wrap(data));
    }
    double gib = (double) records * data.length / (1L << 30);
    double ms = p.serverNanos / 1e6 / gib / 2; // each way
    p.close();
    return ms;
  }

  /** A client and a server engine joined by buffers in memory; the server's calls are timed. */
  private static final class Pair {
    final SSLEngine c;
    final SSLEngine s;
    final ByteBuffer cToS = ByteBuffer.allocate(1 << 17);
    final ByteBuffer sToC = ByteBuffer.allocate(1 << 17);
    final ByteBuffer cApp = ByteBuffer.allocate(1 << 17);
    final ByteBuffer sApp = ByteBuffer.allocate(1 << 17);
    long serverNanos;

    Pair(SSLContext client, SSLEngine server) {
      c = client.createSSLEngine();
      c.setUseClientMode(true);
      SSLParameters p = c.getSSLParameters();
      p.setProtocols(PROTOCOLS);
      c.setSSLParameters(p);
      s = server;
    }

    void handshake() throws Exception {
      c.beginHandshake();
      long t = cpu();
      s.beginHandshake();
      serverNanos += cpu() - t;
      for (int i = 0; i < 100; i++) {
        boolean cDone = done(c.getHandshakeStatus()), sDone = done(s.getHandshakeStatus());
        if (cDone && sDone) return;
        step(c, false);
        step(s, true);
      }
      throw new IllegalStateException("the handshake did not finish: " + c.getHandshakeStatus() + " / " + s.getHandshakeStatus());
    }

    private static boolean done(SSLEngineResult.HandshakeStatus h) {
      return h == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || h == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** One engine: wrap what it has to send, unwrap what it received, run its tasks. */
    private void step(SSLEngine e, boolean server) throws Exception {
      ByteBuffer out = server ? sToC : cToS, in = server ? cToS : sToC, app = server ? sApp : cApp;
      long t = server ? cpu() : 0;
      for (int guard = 0; guard < 20; guard++) {
        SSLEngineResult.HandshakeStatus h = e.getHandshakeStatus();
        if (h == SSLEngineResult.HandshakeStatus.NEED_TASK) {
          Runnable task;
          while ((task = e.getDelegatedTask()) != null) task.run();
        } else if (h == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
          e.wrap(ByteBuffer.allocate(0), out);
        } else if (h == SSLEngineResult.HandshakeStatus.NEED_UNWRAP || h == SSLEngineResult.HandshakeStatus.NEED_UNWRAP_AGAIN) {
          in.flip();
          SSLEngineResult r = e.unwrap(in, app);
          in.compact();
          app.clear();
          if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || (r.bytesConsumed() == 0 && r.bytesProduced() == 0
              && r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP)) {
            break;
          }
        } else {
          break;
        }
      }
      if (server) serverNanos += cpu() - t;
    }

    void clientToServer(ByteBuffer data) throws Exception {
      c.wrap(data, cToS);
      cToS.flip();
      long t = cpu();
      while (cToS.hasRemaining()) {
        SSLEngineResult r = s.unwrap(cToS, sApp);
        if (r.bytesConsumed() == 0) break;
      }
      serverNanos += cpu() - t;
      cToS.compact();
      sApp.clear();
    }

    void serverToClient(ByteBuffer data) throws Exception {
      long t = cpu();
      s.wrap(data, sToC);
      serverNanos += cpu() - t;
      sToC.flip();
      while (sToC.hasRemaining()) {
        SSLEngineResult r = c.unwrap(sToC, cApp);
        if (r.bytesConsumed() == 0) break;
      }
      sToC.compact();
      cApp.clear();
    }

    void close() {
      ReferenceCountUtil.release(s);
    }
  }

  private static long cpu() {
    return THREADS.getCurrentThreadCpuTime();
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(s.size() / 2);
  }
}
