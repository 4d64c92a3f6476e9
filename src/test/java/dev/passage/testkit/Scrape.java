package dev.passage.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One scrape of a node's /metrics as Prometheus takes it: negotiated in the protobuf format and
 * parsed with the client library's own generated classes (a strict parser: a malformed exposition
 * does not parse), every family by name.
 */
public record Scrape(Map<String, Metrics.MetricFamily> families) {
  static final String PROTOBUF = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
  private static final HttpClient http = HttpClient.newHttpClient();

  public static Scrape of(RunningPassage passage) throws Exception {
    return of(URI.create(passage.node.managementUri() + "/metrics"));
  }

  /** metrics: a node's /metrics (another process's, say). */
  public static Scrape of(URI metrics) throws Exception {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(metrics).timeout(java.time.Duration.ofSeconds(3))
        .header("Accept", PROTOBUF).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/vnd.google.protobuf"),
        "negotiated: " + r.headers().firstValue("Content-Type"));
    Map<String, Metrics.MetricFamily> families = new HashMap<>();
    InputStream in = new ByteArrayInputStream(r.body());
    for (Metrics.MetricFamily f; (f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null; ) {
      assertTrue(families.put(f.getName(), f) == null, "one family per name: " + f.getName());
    }
    return new Scrape(families);
  }

  public static Map<String, String> labels(Metrics.Metric m) {
    Map<String, String> out = new HashMap<>();
    m.getLabelList().forEach(l -> out.put(l.getName(), l.getValue()));
    return out;
  }

  /** The data points of a family whose labels include these (none when the family is absent). */
  public List<Metrics.Metric> points(String name, Map<String, String> having) {
    Metrics.MetricFamily f = families.get(name);
    if (f == null) return List.of();
    List<Metrics.Metric> out = new ArrayList<>();
    for (Metrics.Metric m : f.getMetricList()) if (labels(m).entrySet().containsAll(having.entrySet())) out.add(m);
    return out;
  }

  /** The value of the one counter or gauge point with these labels. */
  public double value(String name, Map<String, String> having) {
    List<Metrics.Metric> p = points(name, having);
    assertEquals(1, p.size(), name + " " + having + ": one point");
    Metrics.Metric m = p.get(0);
    return m.hasCounter() ? m.getCounter().getValue() : m.getGauge().getValue();
  }

  /** The sum over every point of a counter or gauge with these labels. */
  public double sum(String name, Map<String, String> having) {
    return points(name, having).stream().mapToDouble(m -> m.hasCounter() ? m.getCounter().getValue() : m.getGauge().getValue()).sum();
  }
}
