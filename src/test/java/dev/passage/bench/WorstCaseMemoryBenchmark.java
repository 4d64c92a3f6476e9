package dev.passage.bench;

import dev.passage.testkit.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A benchmark, not a test: the heap a connection holds at its worst, against the rule that sizes
 * passage.proxy.max-connections (docs/performance.md, Memory). Passage runs as a process of its own with the
 * shipped JVM options; its heap after a full GC is read with N connections of each kind open:
 * <ul>
 *   <li>mid-hello: a 16 KiB ClientHello sent but for its last byte (the most a connection can make
 *       Passage keep before it is routed);
 *   <li>stalled: routed to a backend that sends as fast as it can to a client that reads nothing
 *       (each holds what Passage read and could not write).
 * </ul>
 * <pre>
 *   mvn -q package -DskipTests
 *   mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.bench.WorstCaseMemoryBenchmark \
 *       -Dexec.classpathScope=test -Dexec.args="4000"
 * </pre>
 */
public final class WorstCaseMemoryBenchmark {
  private static final String SNI = "worst.example.com";

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
    Path jar = Path.of("target/passage.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("build the jar first: mvn -q package -DskipTests");
    Sender backend = new Sender();
    Thread backendThread = new Thread(backend, "sending-backend");
    backendThread.setDaemon(true);
    backendThread.start();
    Path folder = Files.createTempDirectory("passage-worst");
    int port = Fixtures.freePort();
    Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS,
        Fixtures.passthroughGateway("worst", port), Fixtures.service("default", "sender", backend.port()),
        Fixtures.route("worst", "worst", List.of(SNI), List.of(new Fixtures.Backend("sender")))));
    List<String> jvm = new ArrayList<>(Processes.jvmOptions());
    jvm.add("-Dpekko.management.http.port=" + Fixtures.freePort());
    jvm.add("-Dpekko.loglevel=WARNING");
    jvm.add("-Dpassage.proxy.client-hello-timeout=5m");
    jvm.add("-Dpassage.proxy.client-hello-timeout-at-cap=5m");
    jvm.add("-Dpassage.proxy.send-timeout=5m");
    Process passage = Processes.java(jvm, jar.toString(), null, "--resources", folder.toString());
    try {
      Processes.awaitListening(port, passage);
      long pid = passage.pid();
      double base = Processes.heapAfterGc(pid);
      System.out.printf("%,d connections of each kind; JVM options: %s%n", n, String.join(" ", jvm));
      System.out.printf("heap after GC without connections: %.1f MiB%n", base / 1024);
      byte[] bigHello = hello(16 * 1024 - 64);
      List<SocketChannel> clients = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        c.write(ByteBuffer.wrap(bigHello, 0, bigHello.length - 1));
        clients.add(c);
      }
      Thread.sleep(2000); // let the last writes land (a benchmark's pause, not a test's wait)
      double midHello = Processes.heapAfterGc(pid);
      System.out.printf("mid-hello (%,d-byte hello but its last byte): %.1f MiB, %.1f KiB per connection%n",
          bigHello.length, midHello / 1024, (midHello - base) / n);
      for (SocketChannel c : clients) c.close();
      clients.clear();
      Thread.sleep(5000); // the closes reach Passage
      byte[] smallHello = hello(300);
      for (int i = 0; i < n; i++) {
        SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        c.write(ByteBuffer.wrap(smallHello));
        clients.add(c); // never read
      }
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (backend.accepted.get() < n && System.nanoTime() < deadline) Thread.sleep(100);
      Thread.sleep(3000);
      double stalled = Processes.heapAfterGc(pid);
      System.out.printf("stalled (backend sends, client reads nothing; %,d reached the backend): %.1f MiB, %.1f KiB per connection%n",
          backend.accepted.get(), stalled / 1024, (stalled - base) / n);
      System.out.printf("RSS with them: %.1f MiB%n", Processes.rss(pid) / 1024);
      for (SocketChannel c : clients) c.close();
    } finally {
      passage.destroy();
      passage.waitFor();
    }
  }

  /** A ClientHello for SNI with a padding extension that brings its body to about bodyBytes. */
  static byte[] hello(int bodyBytes) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(3);
    body.write(3);
    body.writeBytes(new byte[32]);
    body.write(0);
    body.write(0);
    body.write(2);
    body.write(0x13);
    body.write(0x01);
    body.write(1);
    body.write(0);
    byte[] name = SNI.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    int sniExt = 4 + 2 + 3 + name.length;
    int padding = Math.max(0, bodyBytes - body.size() - 2 - sniExt - 4);
    int extensions = sniExt + 4 + padding;
    body.write(extensions >> 8);
    body.write(extensions);
    body.write(0);
    body.write(0);
    body.write((sniExt - 4) >> 8);
    body.write(sniExt - 4);
    body.write((name.length + 3) >> 8);
    body.write(name.length + 3);
    body.write(0);
    body.write(name.length >> 8);
    body.write(name.length);
    body.writeBytes(name);
    body.write(0);
    body.write(21);
    body.write(padding >> 8);
    body.write(padding);
    body.writeBytes(new byte[padding]);
    byte[] b = body.toByteArray();
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    int hs = b.length + 4;
    record.writeBytes(new byte[] {22, 3, 1, (byte) (hs >> 8), (byte) hs, 1, (byte) (b.length >> 16), (byte) (b.length >> 8), (byte) b.length});
    record.writeBytes(b);
    return record.toByteArray();
  }

  /** A backend that, on each connection, writes whenever the socket takes more: the pipe stays full. */
  private static final class Sender implements Runnable {
    private final ServerSocketChannel server;
    private final AtomicInteger accepted = new AtomicInteger();

    Sender() throws IOException {
      server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 4096);
    }

    int port() {
      return server.socket().getLocalPort();
    }

    @Override
    public void run() {
      ByteBuffer data = ByteBuffer.allocateDirect(1 << 20);
      try (Selector selector = Selector.open()) {
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        while (true) {
          selector.select(key -> {
            try {
              if (key.isAcceptable()) {
                SocketChannel c;
                while ((c = server.accept()) != null) {
                  c.configureBlocking(false);
                  c.register(selector, SelectionKey.OP_WRITE | SelectionKey.OP_READ);
                  accepted.incrementAndGet();
                }
              } else if (key.isWritable()) {
                SocketChannel c = (SocketChannel) key.channel();
                data.clear();
                while (c.write(data) > 0) data.clear(); // until the socket takes no more, again when it does
              }
              if (key.isValid() && key.isReadable()) {
                ByteBuffer sink = ByteBuffer.allocate(4096);
                if (((SocketChannel) key.channel()).read(sink) < 0) {
                  key.cancel();
                  key.channel().close();
                }
              }
            } catch (IOException e) {
              key.cancel();
            }
          });
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
