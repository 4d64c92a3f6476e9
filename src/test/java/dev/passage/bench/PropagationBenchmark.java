package dev.passage.bench;

import dev.passage.table.BindAddress;
import dev.passage.table.Decision;
import dev.passage.table.GatewayTable;
import dev.passage.table.ListenerTable;
import dev.passage.table.RouteTable;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A benchmark, not a test: how long a route change takes to be served by every node of a 3-node
 * cluster on loopback, from the API write to the route tables the three data planes read (median
 * and p99 over many changes), with 100, 1,000 and 10,000 routes on one Gateway, and each size's
 * median as a ratio to the 100-route one. Kubernetes mode against the mock API server, default
 * settings. Run:
 *   mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.bench.PropagationBenchmark -Dexec.classpathScope=test
 * Arguments (optional): changes-per-size sizes...
 */
public final class PropagationBenchmark {
  public static void main(String[] args) throws Exception {
    int changes = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    List<Integer> sizes = new ArrayList<>();
    for (int i = 1; i < args.length; i++) sizes.add(Integer.parseInt(args[i]));
    if (sizes.isEmpty()) sizes = List.of(100, 1000, 10_000);
    Random random = new Random(7);
    double baseline = -1;
    try (MockApiServer api = new MockApiServer()) {
      api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", 443),
          Fixtures.service("default", "svc-a", 9), Fixtures.service("default", "svc-b", 10)));
      int created = 0;
      System.out.printf("%d cores; %d changes per size%n", Runtime.getRuntime().availableProcessors(), changes);
      for (int size : sizes) {
        long t0 = System.nanoTime();
        for (; created < size; created++) {
          api.create(Fixtures.route("r" + created, "gw", List.of("r" + created + ".example.com"),
              List.of(new Fixtures.Backend("svc-a"))));
        }
        System.out.printf("%d routes in the API (%.1f s to create)%n", size, (System.nanoTime() - t0) / 1e9);
        List<RunningPassage> nodes = startCluster(api);
        try {
          t0 = System.nanoTime();
          for (RunningPassage n : nodes) while (routes(n.node.table().get()) < size) Thread.sleep(5);
          System.out.printf("  cluster up, every node holds %d routes (%.1f s)%n", size, (System.nanoTime() - t0) / 1e9);
          List<Double> ms = new ArrayList<>();
          for (int k = -3; k < changes; k++) { // three warm-up changes first
            int r = random.nextInt(size);
            String sni = "r" + r + ".example.com";
            String now = backendOf(nodes.get(0).node.table().get(), sni);
            String next = now.contains("svc-a") ? "svc-b" : "svc-a";
            long start = System.nanoTime();
            api.client.resources(TLSRoute.class).inNamespace("default").withName("r" + r).edit(route -> {
              route.getSpec().getRules().get(0).getBackendRefs().get(0).setName(next);
              return route;
            });
            for (RunningPassage n : nodes) {
              while (!backendOf(n.node.table().get(), sni).contains(next)) Thread.sleep(1);
            }
            if (k >= 0) ms.add((System.nanoTime() - start) / 1e6);
          }
          ms.sort(null);
          double median = ms.get(ms.size() / 2);
          double p99 = ms.get(Math.min(ms.size() - 1, (int) Math.ceil(ms.size() * 0.99) - 1));
          if (baseline < 0) baseline = median;
          System.out.printf("  %6d routes: change served by all 3 nodes: median %.0f ms, p99 %.0f ms, median ratio to %d routes %.2f%n",
              size, median, p99, sizes.get(0), median / baseline);
        } finally {
          for (RunningPassage n : nodes) n.close();
        }
      }
    }
    System.exit(0);
  }

  static List<RunningPassage> startCluster(MockApiServer api) throws Exception {
    int[] remoting = {Fixtures.freePort(), Fixtures.freePort(), Fixtures.freePort()};
    int ports = Fixtures.freePort();
    List<RunningPassage> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(RunningPassage.kubernetes(api.clientVia(api.port()), """
          pekko.loglevel = WARNING
          passage.cluster.join = seed-nodes
          pekko.cluster.seed-nodes = ["pekko://passage@127.0.0.1:%d"]
          pekko.remote.artery.canonical.port = %d
          pekko.cluster.jmx.enabled = off
          passage.kubernetes.bind-address = "127.0.0.%d"
          passage.kubernetes.port-range-start = %d
          passage.kubernetes.port-range-end = %d
          """.formatted(remoting[0], remoting[i], i + 2, ports, ports + 5), false));
    }
    return nodes;
  }

  static int routes(RouteTable table) {
    int n = 0;
    for (GatewayTable g : table.gateways().values()) for (ListenerTable l : g.listeners()) n += l.routes().size();
    return n;
  }

  static String backendOf(RouteTable table, String sni) {
    for (GatewayTable g : table.gateways().values()) {
      for (ListenerTable l : g.listeners()) {
        Decision d = table.lookup(new BindAddress(GatewayTable.ANY_NODE, l.bindPort()), sni);
        if (d instanceof Decision.Forward f) return f.route().backends().get(0).name();
      }
    }
    return "";
  }
}
