package dev.passage.bench;

import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A benchmark, not a test: on loopback, in one run, it measures new TLS connections per second
 * and bulk throughput (backend to client, one connection) directly against a TLS backend and
 * through Passage, in interleaved rounds, and prints the medians and Passage's ratio to direct.
 * Run: mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.bench.ProxyBenchmark -Dexec.classpathScope=test
 * Arguments (optional): rounds seconds-per-rate-run concurrency bulk-MiB
 */
public final class ProxyBenchmark {
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 4;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    long bulkBytes = (args.length > 3 ? Long.parseLong(args[3]) : 512) * 1024 * 1024;

    try (TlsBackend backend = new TlsBackend("bench", "bench.example.com")) {
      Path folder = Files.createTempDirectory("passage-bench");
      int port = Fixtures.freePort();
      Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS,
          Fixtures.passthroughGateway("bench", port), Fixtures.service("default", "bench", backend.port()),
          Fixtures.route("bench", "bench", List.of("bench.example.com"), List.of(new Fixtures.Backend("bench")))));
      try (RunningPassage passage = new RunningPassage(folder, "pekko.loglevel = WARNING\n")) {
        System.out.printf("warming up (%d cores)...%n", Runtime.getRuntime().availableProcessors());
        rate(backend.port(), seconds, concurrency);
        rate(port, seconds, concurrency);
        bulk(backend.port(), bulkBytes / 4);
        bulk(port, bulkBytes / 4);
        List<Double> directRate = new ArrayList<>(), passageRate = new ArrayList<>();
        List<Double> directBulk = new ArrayList<>(), passageBulk = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
          directRate.add(rate(backend.port(), seconds, concurrency));
          passageRate.add(rate(port, seconds, concurrency));
          directBulk.add(bulk(backend.port(), bulkBytes));
          passageBulk.add(bulk(port, bulkBytes));
          System.out.printf("round %d: conn/s direct %.0f passage %.0f | MB/s direct %.0f passage %.0f%n", r + 1,
              directRate.get(r), passageRate.get(r), directBulk.get(r), passageBulk.get(r));
        }
        double dr = median(directRate), pr = median(passageRate), db = median(directBulk), pb = median(passageBulk);
        System.out.printf("new TLS connections/s (concurrency %d): direct %.0f, through Passage %.0f, ratio %.2f%n",
            concurrency, dr, pr, pr / dr);
        System.out.printf("bulk MB/s (one connection, %d MiB): direct %.0f, through Passage %.0f, ratio %.2f%n",
            bulkBytes >> 20, db, pb, pb / db);
      }
    }
  }

  /** Full TLS handshakes with SNI, each reading the backend's greeting, for a fixed time. */
  static double rate(int port, double seconds, int concurrency) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    List<Future<?>> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < concurrency; i++) {
      workers.add(pool.submit(() -> {
        while (!stop.get()) {
          try (TlsClient c = TlsClient.connect(port, "bench.example.com")) {
            if (c.greeting.startsWith("hello")) done.incrementAndGet();
          }
        }
        return null;
      }));
    }
    Thread.sleep((long) (seconds * 1000));
    stop.set(true);
    for (Future<?> w : workers) w.get();
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    return done.get() / elapsed;
  }

  /** One connection; the backend sends n bytes; MB/s from the request to the last byte. */
  static double bulk(int port, long n) throws Exception {
    try (TlsClient c = TlsClient.connect(port, "bench.example.com")) {
      long start = System.nanoTime();
      c.send("SEND " + n + "\n");
      InputStream in = c.in();
      byte[] buf = new byte[256 * 1024];
      long got = 0;
      while (got < n) {
        int r = in.read(buf);
        if (r < 0) throw new IllegalStateException("ended after " + got + " bytes");
        got += r;
      }
      return n / 1e6 / ((System.nanoTime() - start) / 1e9);
    }
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int m = s.size() / 2;
    return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
  }
}
