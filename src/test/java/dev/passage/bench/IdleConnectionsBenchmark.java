package dev.passage.bench;

import dev.passage.testkit.Fixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * A benchmark, not a test: memory per idle proxied connection. Each target proxy is started as
 * a process of its own; N clients connect through it, send a real ClientHello and then nothing,
 * and a holding backend (another process) accepts and keeps every connection. The proxy's RSS
 * (and, for a JVM, its heap after a full GC) is read before and with the N connections open:
 * the difference over N is what one idle connection costs. Targets, in one run: Passage with the
 * shipped JVM options, the bare Pekko Streams proxy (the floor of Pekko IO) with the same
 * options, and HAProxy when it is installed (its own routing by SNI).
 * <pre>
 *   mvn -q package -DskipTests && mvn -q test-compile
 *   java -cp target/passage.jar:target/test-classes dev.passage.bench.IdleConnectionsBenchmark 9000
 * </pre>
 * Each proxied connection takes two descriptors in the proxy, so N is bounded by the open-files
 * limit (ulimit -n) over two. Use thousands: with a few hundred, a JVM's own RSS changes (the JIT,
 * native-heap trimming) outweigh the connections, and the RSS figure can even come out negative.
 */
public final class IdleConnectionsBenchmark {
  private static final String SNI = "idle.example.com";

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("holder")) {
      hold(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      return;
    }
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 9000;
    Path jar = Path.of("target/passage.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("build the jar first: mvn -q package -DskipTests");
    List<String> jvm = Processes.jvmOptions();
    String classpath = System.getProperty("java.class.path");
    int holderPort = Fixtures.freePort();
    int controlPort = Fixtures.freePort();
    byte[] hello = clientHello();
    System.out.printf("%d idle connections per target (ClientHello of %d bytes, then silence); JVM options: %s%n",
        n, hello.length, String.join(" ", jvm));
    System.out.printf("%-10s %11s %11s %13s %15s %13s%n", "target", "RSS before", "RSS with", "RSS per conn",
        "heap per conn", "vs HAProxy");
    List<double[]> rows = new ArrayList<>();
    Process holder = Processes.java(List.of(), classpath, IdleConnectionsBenchmark.class.getName(), "holder",
        String.valueOf(holderPort), String.valueOf(controlPort));
    try {
      // Passage, standalone, one route to the holder
      Path folder = Files.createTempDirectory("passage-idle");
      int passagePort = Fixtures.freePort();
      Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS,
          Fixtures.passthroughGateway("idle", passagePort), Fixtures.service("default", "holder", holderPort),
          Fixtures.route("idle", "idle", List.of(SNI), List.of(new Fixtures.Backend("holder")))));
      List<String> passageJvm = new ArrayList<>(jvm);
      passageJvm.add("-Dpekko.management.http.port=" + Fixtures.freePort());
      passageJvm.add("-Dpassage.proxy.max-connections=" + (n + 100));
      passageJvm.add("-Dpekko.loglevel=WARNING");
      double[] passage = measure("passage", Processes.java(passageJvm, jar.toString(), null, "--resources", folder.toString()),
          passagePort, n, hello, controlPort, true);
      int barePort = Fixtures.freePort();
      double[] bare = measure("pekko-io", Processes.java(jvm, classpath, BarePekkoProxy.class.getName(), String.valueOf(barePort),
          "127.0.0.1", String.valueOf(holderPort)), barePort, n, hello, controlPort, true);
      double[] haproxy = null;
      if (Processes.onPath("haproxy")) {
        int port = Fixtures.freePort();
        Path cfg = Files.createTempFile("idle-haproxy", ".cfg");
        Files.writeString(cfg, """
            global
              maxconn %d
            defaults
              mode tcp
              timeout connect 5s
              timeout client 1h
              timeout server 1h
            frontend tls
              bind 127.0.0.1:%d
              tcp-request inspect-delay 5s
              tcp-request content accept if { req.ssl_hello_type 1 }
              use_backend holder if { req.ssl_sni -i %s }
            backend holder
              server h 127.0.0.1:%d
            """.formatted(n + 100, port, SNI, holderPort));
        haproxy = measure("haproxy", new ProcessBuilder("haproxy", "-db", "-f", cfg.toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start(), port, n, hello,
            controlPort, false);
      }
      for (double[] r : new double[][] {passage, bare, haproxy}) if (r != null) rows.add(r);
      String[] names = {"passage", "pekko-io", "haproxy"};
      for (int i = 0; i < rows.size(); i++) {
        double[] r = rows.get(i);
        System.out.printf("%-10s %8.1f MiB %8.1f MiB %9.1f KiB %11s %13s%n", names[i], r[0] / 1024, r[1] / 1024,
            (r[1] - r[0]) / n, r[2] < 0 ? "-" : String.format("%.1f KiB", (r[3] - r[2]) / n),
            haproxy == null ? "-" : String.format("%.2f", (r[1] - r[0]) / (haproxy[1] - haproxy[0])));
      }
    } finally {
      holder.destroy();
    }
  }

  /** RSS before, RSS with n open, heap used before and with (KiB; -1 when not a JVM). */
  private static double[] measure(String name, Process proxy, int port, int n, byte[] hello, int controlPort,
                                  boolean jvm) throws Exception {
    try {
      Processes.awaitListening(port, proxy);
      long pid = proxy.pid();
      double heapBefore = jvm ? Processes.heapAfterGc(pid) : -1;
      double rssBefore = Processes.rss(pid);
      List<SocketChannel> clients = new ArrayList<>(n);
      try {
        for (int i = 0; i < n; i++) {
          SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
          c.write(ByteBuffer.wrap(hello));
          clients.add(c);
        }
        awaitHeld(controlPort, n, name);
        double heapWith = jvm ? Processes.heapAfterGc(pid) : -1;
        double rssWith = Processes.rss(pid);
        return new double[] {rssBefore, rssWith, heapBefore, heapWith};
      } finally {
        for (SocketChannel c : clients) c.close();
        awaitHeld(controlPort, 0, name + " (closing)");
      }
    } finally {
      proxy.destroy();
      proxy.waitFor();
    }
  }



  private static void awaitHeld(int controlPort, int n, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    int held = -1;
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket("127.0.0.1", controlPort);
           BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
        held = Integer.parseInt(r.readLine().trim());
      } catch (IOException e) {
        // the holder is still starting
      }
      if (held == n) return;
      Thread.sleep(200);
    }
    throw new IllegalStateException(what + ": the backend holds " + held + " connections, not " + n);
  }














  /**
   * The first TLS record a JDK client sends for SNI idle.example.com. (Not the testkit's TlsClient:
   * that one needs BouncyCastle, which is not on this program's class path.)
   */
  private static byte[] clientHello() throws Exception {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine(SNI, 443);
    engine.setUseClientMode(true);
    SSLParameters p = engine.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(SNI)));
    engine.setSSLParameters(p);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    return bytes;
  }

  /** The holding backend: accepts, reads and discards, counts open connections; the count on controlPort. */
  private static void hold(int port, int controlPort) throws IOException {
    AtomicInteger open = new AtomicInteger();
    Thread control = new Thread(() -> {
      try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", controlPort))) {
        while (true) {
          try (SocketChannel c = server.accept()) {
            c.write(ByteBuffer.wrap((open.get() + "\n").getBytes(StandardCharsets.US_ASCII)));
          }
        }
      } catch (IOException e) {
        System.exit(1);
      }
    });
    control.setDaemon(true);
    control.start();
    Selector selector = Selector.open();
    ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", port), 4096);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    ByteBuffer sink = ByteBuffer.allocateDirect(64 * 1024);
    while (true) {
      selector.select(key -> {
        try {
          if (key.isAcceptable()) {
            SocketChannel c;
            while ((c = server.accept()) != null) {
              c.configureBlocking(false);
              c.register(selector, SelectionKey.OP_READ);
              open.incrementAndGet();
            }
          } else if (key.isReadable()) {
            sink.clear();
            if (((SocketChannel) key.channel()).read(sink) < 0) {
              key.cancel();
              key.channel().close();
              open.decrementAndGet();
            }
          }
        } catch (IOException e) {
          key.cancel();
          try {
            key.channel().close();
          } catch (IOException ignored) {
            // gone
          }
          open.decrementAndGet();
        }
      });
    }
  }
}
