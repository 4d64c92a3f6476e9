package dev.passage.bench;

import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.Scrape;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import dev.passage.testkit.WireSocket;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A benchmark, not a test: Kubernetes mode at scale, as a platform runs it. Two Passage processes
 * (the jar, config/jvm.options) form a cluster against the mock API server holding N TLSRoutes over
 * N/10 Services, each with an EndpointSlice; the first to start holds the controller. It prints:
 * <ul>
 *   <li>start-up: seconds to /ready, heap after a full GC and RSS, on the controller's node and on
 *   the other;</li>
 *   <li>idle: once every status is written (at the shipped 50 a second) and two minutes more, each
 *   node's CPU (share of one core) and allocation over 30 s;</li>
 *   <li>endpoint churn: 20 EndpointSlices rewritten once a second each (20 changes a second, pods
 *   rolling) for 60 s: each node's CPU, the status writes made (none should be: an endpoint change
 *   alters no status), each node's table changes, and whether the changes were served: once a
 *   second, a connection through the other node to a route of the Service changed 0.9 s before
 *   (just before its next change) must reach the backend its slice now names.</li>
 * </ul>
 * <pre>
 *   mvn -q package -DskipTests && mvn -q test-compile
 *   java -Xmx4g -cp target/test-classes:target/classes:$(deps) dev.passage.bench.ClusterScaleBenchmark 10000 50000
 * </pre>
 * {@code -Dbench.startup-only=true} stops after the start-up figures; {@code -Dbench.idle-seconds=N}
 * measures idle for N seconds instead of 30, {@code -Dbench.settle-seconds=N} waits N seconds before it
 * instead of 120, {@code -Dbench.churn=false} leaves the churn out; {@code -Dbench.node0.jvm="-Xmx1g"}
 * adds JVM options to one node.
 */
public final class ClusterScaleBenchmark {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final int CHURNED = 20;

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String a : args) sizes.add(Integer.parseInt(a));
    if (sizes.isEmpty()) sizes = List.of(10_000, 50_000);
    Path jar = Path.of("target/passage.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("build the jar first: mvn -q package -DskipTests");
    Path logs = Files.createDirectories(Path.of("target", "cluster-scale-benchmark"));
    System.out.printf("%d cores; JVM options: %s%n", Runtime.getRuntime().availableProcessors(),
        String.join(" ", Processes.jvmOptions()));
    try (TlsBackend a = new TlsBackend("a", "app.example.com"); TlsBackend b = new TlsBackend("b", "app.example.com")) {
      for (int n : sizes) {
        try (MockApiServer api = new MockApiServer()) {
          Path kubeconfig = logs.resolve("kubeconfig");
          Files.writeString(kubeconfig, api.kubeconfig("127.0.0.1"));
          int services = Math.max(CHURNED, n / 10);
          long t0 = System.nanoTime();
          api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", 443)));
          for (int s = 0; s < services; s++) api.create(Fixtures.service("default", "svc-" + s, a.port()));
          for (int i = 0; i < n; i++) {
            api.create(Fixtures.route("r" + i, "gw", List.of("r" + i + ".example.com"),
                List.of(new Fixtures.Backend("svc-" + (i % services)))));
          }
          System.out.printf("%d routes over %d Services in the API (%.0f s to create)%n", n, services, (System.nanoTime() - t0) / 1e9);
          int portBase = Fixtures.freePort();
          int[] remoting = {Fixtures.freePort(), Fixtures.freePort()};
          int[] management = {Fixtures.freePort(), Fixtures.freePort()};
          Process[] nodes = new Process[2];
          double[] ready = new double[2];
          try {
            for (int i = 0; i < 2; i++) {
              long started = System.nanoTime();
              nodes[i] = start(i, kubeconfig, logs, remoting, management, portBase);
              awaitReady(management[i], nodes[i]);
              ready[i] = (System.nanoTime() - started) / 1e9;
            }
            if (!controller(management[0])) throw new IllegalStateException("the premise: the first node holds the controller");
            int port = awaitGatewayPort(api);
            for (int i = 0; i < 2; i++) {
              System.out.printf("  %s: ready %.1f s after its start, heap after GC %.0f MiB, RSS %.0f MiB%n",
                  i == 0 ? "controller's node" : "other node", ready[i], Processes.heapAfterGc(nodes[i].pid()) / 1024,
                  Processes.rss(nodes[i].pid()) / 1024);
            }
            if (Boolean.getBoolean("bench.startup-only")) continue; // start-up alone (statuses at 50,000 routes take 17 minutes)
            // the first controller writes every status at the shipped rate (50 a second): wait for the queue to empty
            long w0 = System.nanoTime();
            while (Scrape.of(URI.create("http://127.0.0.1:" + management[0] + "/metrics"))
                .value("passage_status_write_queue", Map.of()) > 0) {
              Thread.sleep(500);
            }
            System.out.printf("  every status written %.0f s after the controller was ready (%,.0f writes)%n",
                (System.nanoTime() - w0) / 1e9, Scrape.of(URI.create("http://127.0.0.1:" + management[0] + "/metrics"))
                    .value("passage_status_writes_total", Map.of("result", "written")));
            Thread.sleep(Long.getLong("bench.settle-seconds", 120) * 1000); // the JIT and the first collections settle
            double[] c0 = {Processes.cpuSeconds(nodes[0].pid()), Processes.cpuSeconds(nodes[1].pid())};
            double[] m0 = {StandaloneChangeBenchmark.gcAndAllocation(management[0])[1], StandaloneChangeBenchmark.gcAndAllocation(management[1])[1]};
            long i0 = System.nanoTime();
            int r0 = api.requestCount();
            Thread.sleep(Long.getLong("bench.idle-seconds", 30) * 1000);
            double idleSeconds = (System.nanoTime() - i0) / 1e9;
            System.out.printf("  idle: %d requests to the API server%s%n", api.requestCount() - r0, topRequests(api, r0));
            for (int i = 0; i < 2; i++) {
              System.out.printf("  idle, %s: %.2f%% of a core, %.2f MB/s allocated%n", i == 0 ? "controller's node" : "other node",
                  (Processes.cpuSeconds(nodes[i].pid()) - c0[i]) / idleSeconds * 100,
                  (StandaloneChangeBenchmark.gcAndAllocation(management[i])[1] - m0[i]) / idleSeconds / 1e6);
            }
            if (Boolean.parseBoolean(System.getProperty("bench.churn", "true"))) churn(api, nodes, management, port, services, a, b);
          } finally {
            for (Process p : nodes) if (p != null) p.destroyForcibly();
          }
        }
      }
    }
    System.exit(0);
  }

  /** 20 slices rewritten once a second each, for 60 s. */
  static void churn(MockApiServer api, Process[] nodes, int[] management, int port, int services, TlsBackend a, TlsBackend b)
      throws Exception {
    double written0 = Scrape.of(URI.create("http://127.0.0.1:" + management[0] + "/metrics"))
        .value("passage_status_writes_total", Map.of("result", "written"));
    double[] tables0 = {tableChanges(management[0]), tableChanges(management[1])};
    double[] c0 = {Processes.cpuSeconds(nodes[0].pid()), Processes.cpuSeconds(nodes[1].pid())};
    boolean[] onB = new boolean[CHURNED];
    long[] changedAt = new long[CHURNED];
    int probes = 0;
    int served = 0;
    List<String> missed = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(1);
    long t0 = System.nanoTime();
    int changes = 0;
    for (int tick = 0; tick < 60 * CHURNED; tick++) {
      long due = t0 + tick * 1_000_000_000L / CHURNED;
      while (System.nanoTime() < due) Thread.sleep(1);
      int s = tick % CHURNED;
      onB[s] = !onB[s];
      int target = onB[s] ? b.port() : a.port();
      api.client.resources(EndpointSlice.class).inNamespace("default").withName("svc-" + s + "-0").edit(slice -> {
        slice.getPorts().get(0).setPort(target);
        return slice;
      });
      changedAt[s] = System.nanoTime();
      changes++;
      if (tick % CHURNED == CHURNED - 2) { // once a second: the Service changed 0.9 s ago (before its next change), through the other node
        int probe = Math.floorMod(s - (CHURNED - 2), CHURNED);
        String expect = onB[probe] ? "b" : "a";
        int route = probe + services * random.nextInt(Math.max(1, 10)); // one of the routes of that Service
        probes++;
        String got = reach(port, "r" + route + ".example.com");
        if (got.equals(expect)) served++;
        else missed.add("r" + route + ": " + got + " instead of " + expect + " "
            + (System.nanoTime() - changedAt[probe]) / 1_000_000 + " ms after its change");
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double written = Scrape.of(URI.create("http://127.0.0.1:" + management[0] + "/metrics"))
        .value("passage_status_writes_total", Map.of("result", "written")) - written0;
    System.out.printf("  churn: %d EndpointSlice changes in %.0f s; controller's node %.1f%% of a core, other node %.1f%%; "
            + "status writes %.0f; table changes %.0f and %.0f; served %d of %d probes 0.9 s after their change%s%n",
        changes, seconds, (Processes.cpuSeconds(nodes[0].pid()) - c0[0]) / seconds * 100,
        (Processes.cpuSeconds(nodes[1].pid()) - c0[1]) / seconds * 100, written,
        tableChanges(management[0]) - tables0[0], tableChanges(management[1]) - tables0[1], served, probes,
        missed.isEmpty() ? "" : " (missed: " + String.join("; ", missed.subList(0, Math.min(3, missed.size()))) + ")");
  }

  /** The most frequent requests (method and path, without the query) since the r0-th, as long as the server kept them. */
  static String topRequests(MockApiServer api, int r0) {
    List<String> kept = api.requests();
    if (r0 >= kept.size()) return "";
    Map<String, Integer> counts = new java.util.TreeMap<>();
    for (String r : kept.subList(r0, kept.size())) counts.merge(r.replaceAll("\\?.*", ""), 1, Integer::sum);
    return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(5)
        .map(e -> e.getValue() + " x " + e.getKey()).reduce((x, y) -> x + "; " + y).map(t -> " (" + t + ")").orElse("");
  }

  static double tableChanges(int management) throws Exception {
    return Scrape.of(URI.create("http://127.0.0.1:" + management + "/metrics")).value("passage_table_changes", Map.of());
  }

  static boolean controller(int management) throws Exception {
    return Scrape.of(URI.create("http://127.0.0.1:" + management + "/metrics")).value("passage_controller", Map.of()) == 1;
  }

  static String reach(int port, String sni) {
    try (TlsClient c = TlsClient.connect("127.0.0.3", port, sni, WireSocket.Shape.AS_IS, List.of())) {
      return c.greeting.split(" ")[2];
    } catch (IOException e) {
      return e.toString();
    }
  }

  static Process start(int i, Path kubeconfig, Path logs, int[] remoting, int[] management, int portBase) throws IOException {
    String self = "127.0.0." + (i + 2);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Processes.jvmOptions());
    String extra = System.getProperty("bench.node" + i + ".jvm"); // e.g. a flight recording of one node
    if (extra != null && !extra.isBlank()) command.addAll(List.of(extra.trim().split("\\s+")));
    command.addAll(List.of(
        "-Dpassage.cluster.join=seed-nodes",
        "-Dpekko.cluster.seed-nodes.0=pekko://passage@127.0.0.2:" + remoting[0],
        "-Dpekko.remote.artery.canonical.hostname=" + self,
        "-Dpekko.remote.artery.canonical.port=" + remoting[i],
        "-Dpekko.management.http.hostname=127.0.0.1",
        "-Dpekko.management.http.port=" + management[i],
        "-Dpassage.kubernetes.bind-address=" + self,
        "-Dpassage.kubernetes.port-range-start=" + portBase,
        "-Dpassage.kubernetes.port-range-end=" + (portBase + 10),
        "-jar", "target/passage.jar"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(logs.resolve("node-" + i + ".log").toFile()));
    pb.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    return pb.start();
  }

  static void awaitReady(int management, Process p) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (true) {
      if (!p.isAlive()) throw new IllegalStateException("a node exited: " + p.exitValue());
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/ready"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) throw new IllegalStateException("not ready in 10 minutes");
      Thread.sleep(100);
    }
  }

  static int awaitGatewayPort(MockApiServer api) throws Exception {
    dev.passage.testkit.Await.until(Duration.ofSeconds(120), "the Gateway's Service", () -> api.gatewayPort("gw") >= 0);
    return api.gatewayPort("gw");
  }

}
