package dev.passage.bench;

import dev.passage.testkit.Fixtures;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A benchmark, not a test: legitimate clients under a flood of silent connections. Passage runs
 * as a process of its own (the jar, config/jvm.options, the given max-connections); two client
 * threads do full TLS handshakes through it to a TLS backend, one connection per handshake, as
 * fast as they can. Phases alternate: no flood, then a flood of connections that send nothing,
 * arriving at 2 x cap / client-hello-timeout per second (the rate that, with connections held
 * until their hello deadline, would keep twice the cap open) and each kept until Passage closes
 * it. Printed: handshakes/s in each phase, the flood's ratio to the phases without it, and
 * Passage's RSS and heap after a GC at the end of each phase.
 * <pre>
 *   mvn -q package -DskipTests
 *   mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.bench.FloodBenchmark -Dexec.classpathScope=test \
 *       -Dexec.args="8000 15"
 * </pre>
 * Arguments: the cap (max-connections, default 8000) and seconds per phase (default 15). The
 * flood holds up to the cap's worth of descriptors in this process, so the open-files limit must
 * allow it.
 */
public final class FloodBenchmark {
  private static final String SNI = "legit.example.com";
  private static final double HELLO_TIMEOUT_S = 10;

  public static void main(String[] args) throws Exception {
    int cap = args.length > 0 ? Integer.parseInt(args[0]) : 8000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    Path jar = Path.of("target/passage.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("build the jar first: mvn -q package -DskipTests");
    try (TlsBackend backend = new TlsBackend("legit", SNI)) {
      Path folder = Files.createTempDirectory("passage-flood");
      int port = Fixtures.freePort();
      Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS,
          Fixtures.passthroughGateway("flood", port), Fixtures.service("default", "legit", backend.port()),
          Fixtures.route("legit", "flood", List.of(SNI), List.of(new Fixtures.Backend("legit")))));
      List<String> jvm = new ArrayList<>(Processes.jvmOptions());
      jvm.add("-Dpekko.management.http.port=" + Fixtures.freePort());
      jvm.add("-Dpassage.proxy.max-connections=" + cap);
      jvm.add("-Dpekko.loglevel=WARNING");
      Process passage = Processes.java(jvm, jar.toString(), null, "--resources", folder.toString());
      try {
        Processes.awaitListening(port, passage);
        double rate = 2 * cap / HELLO_TIMEOUT_S;
        System.out.printf("cap %d, flood %.0f silent connections/s, %d s per phase, 2 handshaking client threads%n",
            cap, rate, seconds);
        System.out.printf("%-8s %14s %13s %12s %14s %13s %10s %10s%n", "phase", "handshakes/s", "flood open", "flood conn/s",
            "Passage CPU %", "flooder CPU %", "RSS MiB", "heap MiB");
        measure("warm-up", port, 0, 2 * seconds, passage.pid()); // both JITs settle first
        double[] quiet = new double[3], flood = new double[3];
        for (int round = 0; round < 3; round++) {
          quiet[round] = measure("quiet", port, 0, seconds, passage.pid());
          flood[round] = measure("flood", port, rate, seconds, passage.pid());
        }
        double q = 0, f = 0;
        StringBuilder rounds = new StringBuilder();
        for (int r = 0; r < 3; r++) {
          q += quiet[r];
          f += flood[r];
          rounds.append(String.format("%s%.1f%%", r == 0 ? "" : ", ", 100 * flood[r] / quiet[r]));
        }
        System.out.printf("legitimate handshakes under the flood: %.1f%% of the rate without it (rounds: %s)%n",
            100 * f / q, rounds);
      } finally {
        passage.destroy();
        passage.waitFor();
      }
    }
  }

  /** One phase: handshakes/s of the legitimate clients while a flood of the given rate runs. */
  private static double measure(String phase, int port, double floodRate, int seconds, long pid) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong handshakes = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      threads.add(new Thread(() -> {
        while (running.get()) {
          try (TlsClient c = TlsClient.connect(port, SNI)) {
            if (c.greeting.startsWith("hello from legit")) handshakes.incrementAndGet();
            else failures.incrementAndGet();
          } catch (IOException e) {
            failures.incrementAndGet();
          }
        }
      }, "legit-" + i));
    }
    Flood flood = floodRate > 0 ? new Flood(port, floodRate, running) : null;
    Thread floodThread = flood == null ? null : new Thread(flood, "flood");
    if (floodThread != null) floodThread.start();
    threads.forEach(Thread::start);
    long start = System.nanoTime();
    double cpuBefore = Processes.cpuSeconds(pid);
    Thread.sleep(seconds * 1000L); // a benchmark phase of fixed length, not a test waiting for a condition
    long done = handshakes.get();
    double elapsed = (System.nanoTime() - start) / 1e9;
    double passageCpu = (Processes.cpuSeconds(pid) - cpuBefore) / elapsed;
    double flooderCpu = flood == null ? 0 : java.lang.management.ManagementFactory.getThreadMXBean()
        .getThreadCpuTime(floodThread.getId()) / 1e9 / elapsed;
    int floodOpen = flood == null ? 0 : flood.open();
    double floodPerSecond = flood == null ? 0 : flood.opened.get() / elapsed;
    running.set(false);
    for (Thread t : threads) t.join();
    if (floodThread != null) floodThread.join();
    double rss = Processes.rss(pid) / 1024;
    double heap = Processes.heapAfterGc(pid) / 1024;
    double rate = done / elapsed;
    System.out.printf("%-8s %14.1f %13d %12.0f %14.0f %13.0f %10.1f %10.1f%s%n", phase, rate, floodOpen, floodPerSecond,
        100 * passageCpu, 100 * flooderCpu, rss, heap,
        failures.get() > 0 ? "  (" + failures.get() + " failed handshakes)" : "");
    return rate;
  }

  /** Opens silent connections at a fixed rate and keeps each until the proxy closes it. */
  private static final class Flood implements Runnable {
    private final InetSocketAddress target;
    private final double rate;
    private final AtomicBoolean running;
    private final AtomicLong opened = new AtomicLong();
    private volatile int open;

    Flood(int port, double rate, AtomicBoolean running) {
      this.target = new InetSocketAddress("127.0.0.1", port);
      this.rate = rate;
      this.running = running;
    }

    int open() {
      return open;
    }

    @Override
    public void run() {
      List<SocketChannel> all = new ArrayList<>();
      ByteBuffer sink = ByteBuffer.allocate(1024);
      try (Selector selector = Selector.open()) {
        long start = System.nanoTime();
        while (running.get()) {
          long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
          while (opened.get() < due) {
            try {
              SocketChannel c = SocketChannel.open();
              c.configureBlocking(false);
              c.connect(target);
              c.register(selector, SelectionKey.OP_CONNECT);
              all.add(c);
              opened.incrementAndGet();
            } catch (IOException e) {
              break; // out of descriptors or ports: try again on the next tick
            }
          }
          selector.select(key -> {
            SocketChannel c = (SocketChannel) key.channel();
            try {
              if (key.isConnectable()) {
                c.finishConnect();
                key.interestOps(SelectionKey.OP_READ);
              } else if (key.isReadable()) {
                sink.clear();
                if (c.read(sink) < 0) close(key);
              }
            } catch (IOException e) {
              close(key);
            }
          }, 1);
          open = selector.keys().size();
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } finally {
        for (SocketChannel c : all) {
          try {
            c.close();
          } catch (IOException ignored) {
            // closing
          }
        }
      }
    }

    private static void close(SelectionKey key) {
      key.cancel();
      try {
        key.channel().close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }
}
