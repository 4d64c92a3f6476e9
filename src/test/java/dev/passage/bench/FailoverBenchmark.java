package dev.passage.bench;

import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.Scrape;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import dev.passage.testkit.WireSocket;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A benchmark, not a test: failover as a user meets it. Three Passage processes (the jar, the
 * shipped JVM options and settings) on 127.0.0.2-4 form a cluster in Kubernetes mode against the
 * mock API server, with N routes besides the one that changes. Each round: the node holding the
 * controller is killed (SIGKILL), a route is changed on the API server at once, and the time is
 * taken until both survivors serve the change; meanwhile clients connect through the survivors
 * without a pause, and every failed connection is counted. The killed node is started again
 * before the next round. Prints each round and the median.
 * <pre>
 *   mvn -q package -DskipTests && mvn -q test-compile
 *   java -cp target/test-classes:target/classes:$(deps) dev.passage.bench.FailoverBenchmark 5 1000 [-Dsetting=value ...]
 * </pre>
 * Arguments: rounds, routes, then -D settings passed to every node (to compare failure detector
 * and split brain resolver settings).
 */
public final class FailoverBenchmark {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final List<String> EXTRA = new ArrayList<>();
  private static Path kubeconfig;
  private static Path logs;
  private static int portBase;
  private static final int[] REMOTING = new int[3];
  private static final int[] MANAGEMENT = new int[3];

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int routes = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    for (int i = 2; i < args.length; i++) EXTRA.add(args[i]);
    Path jar = Path.of("target/passage.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("build the jar first: mvn -q package -DskipTests");
    logs = Files.createDirectories(Path.of("target", "failover-benchmark"));
    portBase = Fixtures.freePort();
    for (int i = 0; i < 3; i++) {
      REMOTING[i] = Fixtures.freePort();
      MANAGEMENT[i] = Fixtures.freePort();
    }
    try (MockApiServer api = new MockApiServer();
         TlsBackend first = new TlsBackend("first", "app.example.com");
         TlsBackend second = new TlsBackend("second", "app.example.com")) {
      kubeconfig = logs.resolve("kubeconfig");
      Files.writeString(kubeconfig, api.kubeconfig("127.0.0.1"));
      api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", 443),
          Fixtures.service("default", "first", first.port()), Fixtures.service("default", "second", second.port()),
          Fixtures.route("app", "gw", List.of("app.example.com"), List.of(new Fixtures.Backend("first")))));
      for (int i = 0; i < routes; i++) {
        api.create(Fixtures.route("r" + i, "gw", List.of("r" + i + ".example.com"), List.of(new Fixtures.Backend("first"))));
      }
      System.out.printf("%d cores; %d rounds; %d routes besides the one that changes; settings: %s%n",
          Runtime.getRuntime().availableProcessors(), rounds, routes, EXTRA.isEmpty() ? "as shipped" : String.join(" ", EXTRA));
      Process[] nodes = new Process[3];
      for (int i = 0; i < 3; i++) nodes[i] = start(i);
      for (int i = 0; i < 3; i++) awaitReady(i, nodes[i]);
      int port = awaitGatewayPort(api);
      String backend = "first";
      for (int i = 0; i < 3; i++) awaitServes(i, port, backend, 60);
      List<Double> times = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        int holder = -1;
        for (int i = 0; i < 3; i++) if (holdsController(i)) holder = i;
        if (holder < 0) throw new IllegalStateException("no node holds the controller");
        int[] rest = holder == 0 ? new int[] {1, 2} : holder == 1 ? new int[] {0, 2} : new int[] {0, 1};
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger served = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int n : rest) {
          Thread t = new Thread(() -> {
            while (!stop.get()) {
              try {
                String who = reach(n, port);
                if (who.equals("first") || who.equals("second")) served.incrementAndGet();
                else failures.add("node " + n + " reached " + who);
              } catch (IOException e) {
                failures.add("node " + n + ": " + e);
              }
            }
          });
          t.start();
          clients.add(t);
        }
        String next = backend.equals("first") ? "second" : "first";
        long t0 = System.nanoTime();
        nodes[holder].destroyForcibly(); // SIGKILL
        api.edit(TLSRoute.class, "default", "app", r -> {
          r.getSpec().getRules().get(0).getBackendRefs().get(0).setName(next);
          return r;
        });
        for (int n : rest) awaitServes(n, port, next, 120);
        double seconds = (System.nanoTime() - t0) / 1e9;
        stop.set(true);
        for (Thread t : clients) t.join();
        int newHolder = -1;
        for (int n : rest) if (holdsController(n)) newHolder = n;
        times.add(seconds);
        System.out.printf("round %d: killed node %d (held the controller); the change was served by nodes %d and %d "
                + "after %.1f s; node %d holds the controller now; %d connections through the survivors meanwhile, %d failed%s%n",
            round, holder, rest[0], rest[1], seconds, newHolder, served.get(), failures.size(),
            failures.isEmpty() ? "" : " (first: " + failures.get(0) + ")");
        backend = next;
        nodes[holder] = start(holder);
        awaitReady(holder, nodes[holder]);
        awaitServes(holder, port, backend, 60);
      }
      List<Double> sorted = new ArrayList<>(times);
      sorted.sort(null);
      System.out.printf("failover, kill -9 to the change served by both survivors: median %.1f s (min %.1f, max %.1f) over %d kills%n",
          sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1), sorted.size());
      for (Process p : nodes) p.destroyForcibly();
    }
    System.exit(0);
  }

  static String address(int i) {
    return "127.0.0." + (i + 2);
  }

  static Process start(int i) throws IOException {
    List<String> jvm = new ArrayList<>(Processes.jvmOptions());
    jvm.addAll(List.of(
        "-Dpassage.cluster.join=seed-nodes",
        "-Dpekko.cluster.seed-nodes.0=pekko://passage@" + address(0) + ":" + REMOTING[0],
        "-Dpekko.cluster.seed-nodes.1=pekko://passage@" + address(1) + ":" + REMOTING[1],
        "-Dpekko.cluster.seed-nodes.2=pekko://passage@" + address(2) + ":" + REMOTING[2],
        "-Dpekko.remote.artery.canonical.hostname=" + address(i),
        "-Dpekko.remote.artery.canonical.port=" + REMOTING[i],
        "-Dpekko.management.http.hostname=" + address(i),
        "-Dpekko.management.http.port=" + MANAGEMENT[i],
        "-Dpassage.kubernetes.bind-address=" + address(i),
        "-Dpassage.kubernetes.port-range-start=" + portBase,
        "-Dpassage.kubernetes.port-range-end=" + (portBase + 10)));
    jvm.addAll(EXTRA);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvm);
    command.addAll(List.of("-jar", "target/passage.jar"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("node-" + i + ".log").toFile()));
    pb.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    return pb.start();
  }

  static int get(int i, String path) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address(i) + ":" + MANAGEMENT[i] + path))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  static boolean holdsController(int i) {
    try {
      return Scrape.of(URI.create("http://" + address(i) + ":" + MANAGEMENT[i] + "/metrics")).value("passage_controller", Map.of()) == 1;
    } catch (Exception e) {
      return false;
    }
  }

  static void awaitReady(int i, Process p) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (get(i, "/ready") != 200) {
      if (!p.isAlive()) throw new IllegalStateException("node " + i + " exited; see " + logs.resolve("node-" + i + ".log"));
      if (System.nanoTime() > deadline) throw new IllegalStateException("node " + i + " not ready in 180 s");
      Thread.sleep(100);
    }
  }

  static int awaitGatewayPort(MockApiServer api) throws Exception {
    dev.passage.testkit.Await.until(Duration.ofSeconds(60), "the Gateway's Service", () -> api.gatewayPort("gw") >= 0);
    return api.gatewayPort("gw");
  }


  static String reach(int i, int port) throws IOException {
    try (TlsClient c = TlsClient.connect(address(i), port, "app.example.com", WireSocket.Shape.AS_IS, List.of())) {
      return c.greeting.split(" ")[2];
    }
  }

  static void awaitServes(int i, int port, String backend, int seconds) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    while (true) {
      try {
        if (reach(i, port).equals(backend)) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) throw new IllegalStateException("node " + i + " does not serve " + backend + " in " + seconds + " s");
      Thread.sleep(20);
    }
  }
}
