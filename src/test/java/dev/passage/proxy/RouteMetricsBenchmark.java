package dev.passage.proxy;

import dev.passage.resources.NamespacedName;
import dev.passage.table.ResolvedBackend;
import java.net.InetSocketAddress;

/**
 * A benchmark, not a test: what per-route counting costs one connection (the series lookup when its
 * route is chosen, open, and the additions when it ends), against the node-wide counting every
 * connection already did (ProxyMetrics.record), measured in the same run, over 200 routes.
 * Run: mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.proxy.RouteMetricsBenchmark -Dexec.classpathScope=test
 */
public final class RouteMetricsBenchmark {
  public static void main(String[] args) {
    int routes = 200;
    long n = 5_000_000;
    RouteMetrics perRoute = new RouteMetrics(1000);
    ProxyMetrics nodeWide = new ProxyMetrics();
    String[] names = new String[routes];
    for (int i = 0; i < routes; i++) names[i] = new NamespacedName("default", "route-" + i).toString();
    ConnectionHandler.Ended e = new ConnectionHandler.Ended(new InetSocketAddress("127.0.0.1", 40000), null, "a.example.com",
        names[0], "default/b:8443", (ResolvedBackend.Endpoint) null, null, null, 517, 0, 4096, 65536, 3_000_000, 0);
    long sink = 0;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (long i = 0; i < n; i++) nodeWide.record(e);
      long t1 = System.nanoTime();
      for (long i = 0; i < n; i++) {
        RouteMetrics.RouteStats s = perRoute.stats("default/gw", "tls", names[(int) (i % routes)], "default/b:8443");
        s.opened();
        s.ended(e, true);
        sink += s.hashCode();
      }
      long t2 = System.nanoTime();
      double base = (t1 - t0) / (double) n, route = (t2 - t1) / (double) n;
      System.out.printf("round %d: node-wide counting %.0f ns per connection, per-route counting %.0f ns (%.1fx)%n",
          round + 1, base, route, route / base);
    }
    System.out.println(sink == 42 ? "" : "series held: " + perRoute.seriesCount());
  }
}
