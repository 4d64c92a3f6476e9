package dev.passage.bench;

import dev.passage.table.BindAddress;
import dev.passage.table.Decision;
import dev.passage.table.GatewayTable;
import dev.passage.table.RouteTable;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A benchmark, not a test: how long a route change takes to be served by every node of a 3-node
 * cluster on loopback, from the API write to the route tables the three data planes read (median
 * and p99 over many changes), with 100 to 50,000 routes on one Gateway. Kubernetes mode against the
 * mock API server (its lookups indexed, so that its cost per request does not grow with the
 * routes), default settings. The API server's share is taken apart from Passage's: a watch of the
 * benchmark's own sees each change's event, and Passage's part is from that event to the three
 * tables. Run with a heap for three nodes and the API server:
 *   mvn -q test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *       -Dexec.args="-Xmx8g -cp %classpath dev.passage.bench.PropagationBenchmark 40 100 1000 10000 50000"
 * Arguments (optional): changes per size, then sizes. -Dbench.remoting-tls=DIR: mutual TLS between
 * the nodes, with the files k8s/remoting-tls/make-secret.sh DIR made.
 */
public final class PropagationBenchmark {
  public static void main(String[] args) throws Exception {
    int changes = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    List<Integer> sizes = new ArrayList<>();
    for (int i = 1; i < args.length; i++) sizes.add(Integer.parseInt(args[i]));
    if (sizes.isEmpty()) sizes = List.of(100, 1000, 10_000, 50_000);
    Random random = new Random(7);
    double baseline = -1;
    Map<String, Long> seen = new ConcurrentHashMap<>(); // route name + backend -> when the benchmark's watch saw it
    try (MockApiServer api = new MockApiServer()) {
      api.create(Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", 443),
          Fixtures.service("default", "svc-a", 9), Fixtures.service("default", "svc-b", 10)));
      Watch watch = api.client.resources(TLSRoute.class).inNamespace("default").watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, TLSRoute r) {
          if (action == Action.MODIFIED) {
            seen.putIfAbsent(r.getMetadata().getName() + "|" + r.getSpec().getRules().get(0).getBackendRefs().get(0).getName(),
                System.nanoTime());
          }
        }

        @Override
        public void onClose(WatcherException cause) {}
      });
      int created = 0;
      System.out.printf("%d cores, heap %d MiB; %d changes per size%n", Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().maxMemory() >> 20, changes);
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
          int bindPort = nodes.get(0).node.table().get().gateways().values().iterator().next().listeners().get(0).bindPort();
          List<Double> total = new ArrayList<>();
          List<Double> passage = new ArrayList<>();
          for (int k = -3; k < changes; k++) { // three warm-up changes first
            int r = random.nextInt(size);
            String sni = "r" + r + ".example.com";
            String now = backendOf(nodes.get(0).node.table().get(), bindPort, sni);
            String next = now.contains("svc-a") ? "svc-b" : "svc-a";
            seen.remove("r" + r + "|" + next);
            long start = System.nanoTime();
            for (int attempt = 1; ; attempt++) { // as kubectl does: the status writer may have written it meanwhile
              try {
                api.client.resources(TLSRoute.class).inNamespace("default").withName("r" + r).edit(route -> {
                  route.getSpec().getRules().get(0).getBackendRefs().get(0).setName(next);
                  return route;
                });
                break;
              } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 5) throw e;
              }
            }
            for (RunningPassage n : nodes) {
              while (!backendOf(n.node.table().get(), bindPort, sni).contains(next)) Thread.sleep(1);
            }
            long served = System.nanoTime();
            Long event = seen.get("r" + r + "|" + next);
            if (k >= 0) {
              total.add((served - start) / 1e6);
              if (event != null) passage.add((served - event) / 1e6);
            }
          }
          double median = percentile(total, 50);
          if (baseline < 0) baseline = median;
          System.out.printf("  %6d routes: change served by all 3 nodes: median %.0f ms, p99 %.0f ms (median ratio to %d routes %.2f); "
                  + "from the watch event (Passage's part, %d of %d changes seen): median %.0f ms, p99 %.0f ms%n",
              size, median, percentile(total, 99), sizes.get(0), median / baseline, passage.size(), total.size(),
              percentile(passage, 50), percentile(passage, 99));
        } finally {
          for (RunningPassage n : nodes) n.close();
        }
      }
      watch.close();
    }
    System.exit(0);
  }

  static double percentile(List<Double> values, int p) {
    if (values.isEmpty()) return Double.NaN;
    List<Double> s = new ArrayList<>(values);
    s.sort(null);
    return s.get(Math.min(s.size() - 1, Math.max(0, (int) Math.ceil(s.size() * p / 100.0) - 1)));
  }

  static List<RunningPassage> startCluster(MockApiServer api) throws Exception {
    int[] remoting = {Fixtures.freePort(), Fixtures.freePort(), Fixtures.freePort()};
    int ports = Fixtures.freePort();
    List<RunningPassage> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(RunningPassage.kubernetes(api.clientVia(api.port()), """
          pekko.loglevel = WARNING
          pekko.cluster.jmx.enabled = off
          """ + Fixtures.clusterMember(remoting, i, ports, 5) + remotingTls(), false));
    }
    return nodes;
  }

  /**
   * -Dbench.remoting-tls=DIR (files k8s/remoting-tls/make-secret.sh made): the nodes talk over mutual
   * TLS, as the Kustomize install has them; unset, plain TCP.
   */
  static String remotingTls() {
    String dir = System.getProperty("bench.remoting-tls", "");
    return dir.isBlank() ? "" : Fixtures.remotingTls(java.nio.file.Path.of(dir));
  }

  static int routes(RouteTable table) {
    return table.routeCount();
  }

  /** The backend a node's table sends sni to: a lookup as a connection makes it (no view of the whole table). */
  static String backendOf(RouteTable table, int bindPort, String sni) {
    Decision d = table.lookup(new BindAddress(GatewayTable.ANY_NODE, bindPort), sni);
    return d instanceof Decision.Forward f ? f.route().backends().get(0).name() : "";
  }
}
