package dev.passage.bench;

import dev.passage.testkit.Fixtures;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A benchmark, not a test: the control plane's cost at scale, standalone, as a user runs it (the
 * jar, config/jvm.options). One Gateway, N TLSRoutes over N/10 Services (an EndpointSlice each),
 * and one EndpointSlice flipped between two TLS backends that present certificates of their own,
 * by rewriting its file (an atomic rename). For each N, in one run:
 * <ul>
 *   <li>start-up: seconds from the process's start to /ready, heap after a full GC, RSS;</li>
 *   <li>idle: after a minute to settle, over 30 s;</li>
 *   <li>CPU per change: changes 1.5 s apart with nothing else asked of Passage, its CPU less the idle
 *   rate over the same time, per change, as a ratio to the first size's;</li>
 *   <li>latency: from the rename to the first connection through Passage that reaches the new
 *   backend, probed every 10 ms from 450 ms after the rename (the settle time is 500 ms).</li>
 * </ul>
 * <pre>
 *   mvn -q package -DskipTests && mvn -q test-compile
 *   java -cp target/passage.jar:target/test-classes dev.passage.bench.StandaloneChangeBenchmark 40 100 1000 10000
 * </pre>
 * Arguments: changes per size, then sizes.
 */
public final class StandaloneChangeBenchmark {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  public static void main(String[] args) throws Exception {
    int changes = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    List<Integer> sizes = new ArrayList<>();
    for (int i = 1; i < args.length; i++) sizes.add(Integer.parseInt(args[i]));
    if (sizes.isEmpty()) sizes = List.of(100, 1000, 10_000);
    Path jar = Path.of("target/passage.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("build the jar first: mvn -q package -DskipTests");
    System.out.printf("%d cores; %d changes per size; JVM options: %s%n", Runtime.getRuntime().availableProcessors(),
        changes, String.join(" ", Processes.jvmOptions()));
    double baseline = -1;
    try (TlsBackend a = new TlsBackend("backend-a", "a.example.com"); TlsBackend b = new TlsBackend("backend-b", "b.example.com")) {
      for (int n : sizes) {
        Path folder = Files.createTempDirectory("passage-bench-" + n);
        int port = Fixtures.freePort();
        write(folder, n, port, a.port());
        int management = Fixtures.freePort();
        List<String> jvm = new ArrayList<>(Processes.jvmOptions());
        jvm.add("-Dpekko.management.http.port=" + management);
        long started = System.nanoTime();
        Process passage = Processes.java(jvm, jar.toString(), null, "--resources", folder.toString());
        long pid = passage.pid();
        try {
          awaitReady(management, passage);
          double ready = (System.nanoTime() - started) / 1e9;
          double heap = Processes.heapAfterGc(pid) / 1024;
          double rss = Processes.rss(pid) / 1024;
          for (int i = 0; i < 3000; i++) greeting(port, "r1.example.com"); // the data plane's JIT, for the probes below
          Thread.sleep(120_000); // let the JIT and the first collections settle
          double[] idle = idle(pid, management, 60);
          // CPU: changes a second and a half apart, nothing else asked of Passage; its CPU less the idle rate
          boolean toB = true;
          double cpu0 = Processes.cpuSeconds(pid);
          double work0 = Processes.cpuSecondsWithoutCompiler(pid);
          long t0 = System.nanoTime();
          for (int k = 0; k < changes; k++) {
            flip(folder, toB ? b.port() : a.port());
            toB = !toB;
            Thread.sleep(1500);
          }
          double elapsed = (System.nanoTime() - t0) / 1e9;
          double perChangeAll = (Processes.cpuSeconds(pid) - cpu0 - idle[0] * elapsed) / changes;
          double perChange = (Processes.cpuSecondsWithoutCompiler(pid) - work0 - idle[3] * elapsed) / changes;
          if (baseline < 0) baseline = perChange;
          // latency: each change probed through Passage from just before it can be served (settle-time less 50 ms)
          List<Double> latency = new ArrayList<>();
          for (int k = 0; k < changes; k++) {
            String expect = toB ? "backend-b" : "backend-a";
            long start = System.nanoTime();
            flip(folder, toB ? b.port() : a.port());
            Thread.sleep(450);
            while (!greeting(port, "r0.example.com").startsWith("hello from " + expect + " ")) {
              if (System.nanoTime() - start > 30e9) throw new IllegalStateException("change " + k + " not served in 30 s");
              Thread.sleep(10);
            }
            latency.add((System.nanoTime() - start) / 1e9);
            toB = !toB;
            Thread.sleep(500);
          }
          System.out.printf("%6d routes: ready %.1f s, heap after GC %.0f MiB, RSS %.0f MiB; idle %.2f%% of a core (%.2f%% without the JIT), %.2f young GCs/s, "
                  + "%.2f MB/s allocated; CPU per change %.1f ms without the JIT's compiler threads (%.2fx the %d-route one), "
                  + "%.1f ms with them; change served after the rename: "
                  + "median %.0f ms, p99 %.0f ms, max %.0f ms (settle-time 500 ms and a poll of 250 ms included)%n",
              n, ready, heap, rss, idle[0] * 100, idle[3] * 100, idle[1], idle[2] / 1e6, perChange * 1000, perChange / baseline, sizes.get(0),
              perChangeAll * 1000, median(latency) * 1000, p99(latency) * 1000, max(latency) * 1000);
        } finally {
          passage.destroy();
          passage.waitFor();
        }
      }
    }
    System.exit(0);
  }

  /** The folder: a GatewayClass and Gateway, the routes, the Services with their slices, and the slice that flips (a file of its own). */
  public static void write(Path folder, int n, int port, int backendPort) throws IOException {
    int services = Math.max(1, n / 10);
    Files.writeString(folder.resolve("gateway.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", port)));
    StringBuilder routes = new StringBuilder();
    for (int i = 0; i < n; i++) {
      routes.append(Fixtures.route("r" + i, "gw", List.of("r" + i + ".example.com"),
          List.of(new Fixtures.Backend("svc-" + (i % services))))).append("---\n");
    }
    Files.writeString(folder.resolve("routes.yaml"), routes);
    StringBuilder svcs = new StringBuilder();
    for (int s = 0; s < services; s++) {
      svcs.append(service("svc-" + s)).append("---\n");
      if (s > 0) svcs.append(slice("svc-" + s, backendPort)).append("---\n");
    }
    Files.writeString(folder.resolve("services.yaml"), svcs);
    flip(folder, backendPort);
  }

  static String service(String name) {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: %s
          namespace: default
        spec:
          ports:
          - name: tls
            port: 8443
            protocol: TCP
        """.formatted(name);
  }

  static String slice(String service, int port) {
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s-slice
          namespace: default
          labels:
            kubernetes.io/service-name: %s
        addressType: IPv4
        ports:
        - name: tls
          port: %d
          protocol: TCP
        endpoints:
        - addresses: ["127.0.0.1"]
        """.formatted(service, service, port);
  }

  /** svc-0's slice, pointing at this backend port, written by atomic rename. */
  static void flip(Path folder, int port) throws IOException {
    Path tmp = folder.resolve("flip.yaml.tmp");
    Files.writeString(tmp, slice("svc-0", port), StandardCharsets.UTF_8);
    Files.move(tmp, folder.resolve("flip.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  static String greeting(int port, String sni) {
    try (TlsClient c = TlsClient.connect(port, sni)) {
      return c.greeting;
    } catch (IOException e) {
      return "";
    }
  }

  static void awaitReady(int management, Process p) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) throw new IllegalStateException("Passage exited: " + p.exitValue());
      try {
        if (get(management, "/ready").statusCode() == 200) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("Passage not ready within 5 minutes");
  }

  static HttpResponse<String> get(int management, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * {share of a core, young collections per second, bytes allocated per second, share of a core
   * without the compiler threads} over seconds of doing nothing.
   */
  static double[] idle(long pid, int management, int seconds) throws Exception {
    double[] m0 = gcAndAllocation(management);
    double c0 = Processes.cpuSeconds(pid);
    double w0 = Processes.cpuSecondsWithoutCompiler(pid);
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    double c1 = Processes.cpuSeconds(pid);
    double w1 = Processes.cpuSecondsWithoutCompiler(pid);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double[] m1 = gcAndAllocation(management);
    return new double[] {(c1 - c0) / elapsed, (m1[0] - m0[0]) / elapsed, (m1[1] - m0[1]) / elapsed, (w1 - w0) / elapsed};
  }

  private static final Pattern GC = Pattern.compile("(?m)^jvm_gc_collection_seconds_count\\{gc=\"(?:Copy|PS Scavenge|G1 Young Generation)\"} ([0-9.eE+]+)");
  private static final Pattern ALLOCATED = Pattern.compile("(?m)^jvm_memory_pool_allocated_bytes_total\\{pool=\"[^\"]+\"} ([0-9.eE+]+)");

  /** {young collections so far, bytes allocated so far}, from this node's /metrics. */
  static double[] gcAndAllocation(int management) throws Exception {
    String text = get(management, "/metrics").body();
    double gcs = 0;
    Matcher m = GC.matcher(text);
    while (m.find()) gcs += Double.parseDouble(m.group(1));
    double bytes = 0;
    m = ALLOCATED.matcher(text);
    while (m.find()) bytes += Double.parseDouble(m.group(1));
    return new double[] {gcs, bytes};
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(s.size() / 2);
  }

  static double p99(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1));
  }

  static double max(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }
}
