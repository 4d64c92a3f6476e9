package dev.passage.ops;

import dev.passage.resources.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.Scrape;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * /metrics read the way Prometheus reads it: negotiated in the protobuf format and parsed with the
 * client library's own generated classes (a strict parser: a malformed exposition does not parse).
 * Per-route series appear with their route's first connection and go with the route; the cap folds
 * new series into the overflow series; the dashboard asks only for series the node exports.
 */
class MetricsTest {
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  @TempDir
  Path folder;

  static Map<String, Metrics.MetricFamily> scrape(RunningPassage passage) throws Exception {
    return Scrape.of(passage).families();
  }

  static List<Metrics.Metric> points(Map<String, Metrics.MetricFamily> families, String name, Map<String, String> having) {
    return new Scrape(families).points(name, having);
  }

  private String yaml(int port, int backendPort, String... routes) {
    List<String> docs = new ArrayList<>(List.of(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", port),
        Fixtures.service("default", "b", backendPort)));
    for (String r : routes) docs.add(Fixtures.route(r, "gw", List.of(r + ".example.com"), List.of(new Fixtures.Backend("b"))));
    return Fixtures.join(docs.toArray(String[]::new));
  }

  @Test
  void perRouteSeriesComeWithTheFirstConnectionAndGoWithTheRoute() throws Exception {
    try (TlsBackend backend = new TlsBackend("b", "*.example.com")) {
      int port = Fixtures.freePort();
      Files.writeString(folder.resolve("all.yaml"), yaml(port, backend.port(), "one", "two"));
      try (RunningPassage passage = new RunningPassage(folder, "")) {
        Map<String, String> one = Map.of("gateway", "default/gw", "listener", "tls", "route", "default/one",
            "backend", "default/b:8443");
        assertTrue(points(scrape(passage), "passage_route_connections_total", Map.of("route", "default/one")).isEmpty(),
            "no series before a connection");
        try (TlsClient c = TlsClient.connect(port, "one.example.com")) {
          assertEquals("hello from b sni=one.example.com", c.greeting);
          Await.until(Duration.ofSeconds(5), "the connection counted open on its route", () ->
              points(scrape(passage), "passage_route_connections_open", one).get(0).getGauge().getValue() == 1);
        }
        Await.until(Duration.ofSeconds(5), "the connection counted routed once it ended", () -> {
          var routed = points(scrape(passage), "passage_route_connections_total", withOutcome(one, "routed"));
          return routed.size() == 1 && routed.get(0).getCounter().getValue() == 1;
        });
        Map<String, Metrics.MetricFamily> f = scrape(passage);
        assertEquals(0, points(f, "passage_route_connections_open", one).get(0).getGauge().getValue());
        Metrics.Histogram duration = points(f, "passage_route_connection_duration_seconds", one).get(0).getHistogram();
        assertEquals(1, duration.getSampleCount());
        assertTrue(duration.getSampleSum() > 0);
        for (String direction : List.of("client_to_backend", "backend_to_client")) {
          Map<String, String> having = new HashMap<>(one);
          having.put("direction", direction);
          assertTrue(points(f, "passage_route_bytes_total", having).get(0).getCounter().getValue() > 0, direction);
        }
        assertEquals(Metrics.MetricType.COUNTER, f.get("passage_route_connections_total").getType());
        assertEquals(Metrics.MetricType.HISTOGRAM, f.get("passage_route_connection_duration_seconds").getType());
        assertTrue(points(f, "passage_route_connections_total", Map.of("route", "default/two")).isEmpty(),
            "a route without connections has no series");
        // node-wide families are kept, and the JVM's are there
        assertEquals(1, points(f, "passage_connections_routed_total", Map.of()).get(0).getCounter().getValue());
        assertTrue(f.containsKey("jvm_memory_used_bytes"), f.keySet().toString());
        assertTrue(f.containsKey("passage_cluster_members"));

        // the route goes: its series go with it
        Files.writeString(folder.resolve("all.yaml"), yaml(port, backend.port(), "two"));
        Await.until(Duration.ofSeconds(10), "the removed route's series gone", () ->
            points(scrape(passage), "passage_route_connections_total", Map.of("route", "default/one")).isEmpty());
        assertTrue(points(scrape(passage), "passage_route_bytes_total", Map.of("route", "default/one")).isEmpty());
      }
    }
  }

  private static Map<String, String> withOutcome(Map<String, String> labels, String outcome) {
    Map<String, String> out = new HashMap<>(labels);
    out.put("outcome", outcome);
    return out;
  }

  @Test
  void pastTheCapNewRoutesAreCountedUnderTheOverflowSeries() throws Exception {
    try (TlsBackend backend = new TlsBackend("b", "*.example.com")) {
      int port = Fixtures.freePort();
      Files.writeString(folder.resolve("all.yaml"), yaml(port, backend.port(), "one", "two", "three"));
      try (RunningPassage passage = new RunningPassage(folder, "passage.metrics.max-route-series = 1\n")) {
        for (String r : List.of("one", "two", "three", "three")) {
          try (TlsClient c = TlsClient.connect(port, r + ".example.com")) {
            assertEquals("hello from b sni=" + r + ".example.com", c.greeting);
          }
        }
        Await.until(Duration.ofSeconds(5), "four connections counted", () ->
            points(scrape(passage), "passage_connections_routed_total", Map.of()).get(0).getCounter().getValue() == 4);
        Map<String, Metrics.MetricFamily> f = scrape(passage);
        assertEquals(1, points(f, "passage_route_connections_total", Map.of("route", "default/one", "outcome", "routed"))
            .get(0).getCounter().getValue(), "the first route has its own series");
        assertTrue(points(f, "passage_route_connections_total", Map.of("route", "default/two")).isEmpty());
        assertEquals(3, points(f, "passage_route_connections_total", Map.of("route", "_overflow", "gateway", "_overflow",
            "outcome", "routed")).get(0).getCounter().getValue(), "the others are folded");
        assertEquals(3, points(f, "passage_route_series_overflow_total", Map.of()).get(0).getCounter().getValue());
        assertEquals(1, points(f, "passage_route_series", Map.of()).get(0).getGauge().getValue());
      }
    }
  }

  @Test
  void theTextFormatsAreNegotiated() throws Exception {
    Files.writeString(folder.resolve("all.yaml"), Fixtures.GATEWAY_CLASS);
    try (RunningPassage passage = new RunningPassage(folder, "")) {
      URI uri = URI.create(passage.node.managementUri() + "/metrics");
      HttpResponse<String> text = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(text.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
          text.headers().toString());
      assertTrue(text.body().contains("# TYPE passage_connections_accepted_total counter\n"), text.body());
      HttpResponse<String> open = http.send(HttpRequest.newBuilder(uri)
          .header("Accept", "application/openmetrics-text; version=1.0.0").build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(open.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
      assertTrue(open.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
    }
  }

  /** Every series a panel of the Grafana dashboard asks for is one a node exports (after a TLS connection and an HTTP request). */
  @Test
  void theDashboardAsksOnlyForExportedSeries() throws Exception {
    try (TlsBackend backend = new TlsBackend("b", "*.example.com");
         dev.passage.testkit.EchoHttpBackend echo = new dev.passage.testkit.EchoHttpBackend("echo")) {
      int port = Fixtures.freePort();
      int httpPort = Fixtures.freePort();
      while (httpPort == port) httpPort = Fixtures.freePort(); // the OS may hand a port just closed out again
      Files.writeString(folder.resolve("all.yaml"), yaml(port, backend.port(), "one"));
      Files.writeString(folder.resolve("http.yaml"), Fixtures.join(Fixtures.service("default", "echo", echo.port()), """
          apiVersion: gateway.networking.k8s.io/v1
          kind: Gateway
          metadata: {name: web, namespace: default}
          spec:
            gatewayClassName: passage
            listeners: [{name: http, protocol: HTTP, port: %d}]
          ---
          apiVersion: gateway.networking.k8s.io/v1
          kind: HTTPRoute
          metadata: {name: web, namespace: default}
          spec:
            parentRefs: [{name: web}]
            hostnames: ["web.example.com"]
            rules: [{backendRefs: [{name: echo, port: 8443}]}]
          """.formatted(httpPort)));
      int webPort = httpPort;
      try (RunningPassage passage = new RunningPassage(folder, "")) {
        try (TlsClient c = TlsClient.connect(port, "one.example.com")) {
          assertEquals("hello from b sni=one.example.com", c.greeting);
        }
        Await.until(Duration.ofSeconds(10), "the HTTP route served", () -> {
          try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/"))
                .header("Host", "web.example.com").timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
          } catch (java.io.IOException e) {
            return false;
          }
        });
        Await.until(Duration.ofSeconds(5), "the connection counted", () -> !points(scrape(passage),
            "passage_route_connections_total", Map.of("route", "default/one")).isEmpty());
        // the names as PromQL sees them: a histogram's _bucket, _sum and _count, a counter's as written
        Set<String> exported = new TreeSet<>();
        scrape(passage).forEach((name, f) -> {
          exported.add(name);
          if (f.getType() == Metrics.MetricType.HISTOGRAM) {
            for (String s : List.of("_bucket", "_sum", "_count")) exported.add(name + s);
          }
        });
        JsonNode dashboard = Json.JSON.readTree(Files.readString(Path.of("k8s/monitoring/grafana-dashboard.json")));
        List<String> exprs = new ArrayList<>();
        collectExprs(dashboard, exprs);
        assertTrue(exprs.size() >= 8, "the dashboard's queries: " + exprs);
        Set<String> asked = new TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:passage|jvm|process)_[a-z0-9_]+)").matcher(String.join("\n", exprs));
        while (m.find()) asked.add(m.group(1));
        assertFalse(asked.isEmpty());
        Set<String> missing = new TreeSet<>(asked);
        missing.removeAll(exported);
        assertEquals(Set.of(), missing, "asked by the dashboard, not exported");
      }
    }
  }

  private static void collectExprs(JsonNode n, List<String> out) {
    if (n.isObject()) {
      n.properties().forEach(e -> {
        if (e.getKey().equals("expr") && e.getValue().isString()) out.add(e.getValue().asString());
        else collectExprs(e.getValue(), out);
      });
    } else if (n.isArray()) {
      n.forEach(c -> collectExprs(c, out));
    }
  }
}
