package dev.passage.ops;

import dev.passage.control.ControlMetrics;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * GET /metrics of one node: a Prometheus registry of its own (several nodes may share a JVM in
 * tests) holding the JVM's metrics from the client's instrumentation and one collector that reads,
 * at each scrape, what the stages count: the data plane node-wide and per route, the control
 * plane, the route table and the cluster. The exposition (Prometheus text, OpenMetrics, and
 * protobuf where its module is present) and its content negotiation are the client library's.
 */
public final class NodeMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ExpositionFormats formats = ExpositionFormats.init();

  /** What a scrape answers: the negotiated content type and the body. */
  public record Scrape(String contentType, byte[] body) {}

  NodeMetrics(ActorSystem<?> system) {
    JvmMetrics.builder().register(registry);
    NodeView node = new NodeView(system);
    ControlMetrics control = ControlMetrics.get(system);
    registry.register((MultiCollector) () -> {
      List<MetricSnapshot> all = new ArrayList<>(node.dataPlane().metrics().snapshots());
      all.addAll(node.dataPlane().routeMetrics().snapshots());
      all.addAll(node.dataPlane().trafficPolicies().snapshots());
      all.addAll(dev.passage.cluster.RemotingRefusals.get(system).snapshots());
      all.add(gauge("passage_connections_active", "Client connections open now.", node.dataPlane().openConnections()));
      all.add(gauge("passage_ready", "1 when this node holds the route tables and its listeners are bound.",
          node.ready() ? 1 : 0));
      all.add(gauge("passage_controller", "1 when the controller (the cluster singleton) runs on this node.",
          node.statuses().controllerHere() ? 1 : 0));
      all.addAll(control.snapshots());
      all.add(gauge("passage_table_changes", "How many times this node's route table has changed since it started "
          + "(its local table version).", node.table().changes()));
      long last = node.table().lastChangeMillis();
      all.add(gauge("passage_table_age_seconds", "Seconds since this node's route table last changed (0 before the first).",
          last == 0 ? 0 : (System.currentTimeMillis() - last) / 1000.0));
      all.add(members(Cluster.get(system)));
      return new MetricSnapshots(all);
    });
  }

  public Scrape scrape(String accept) throws IOException {
    ExpositionFormatWriter writer = formats.findWriter(accept);
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    writer.write(out, registry.scrape());
    return new Scrape(writer.getContentType(), out.toByteArray());
  }

  private static MetricSnapshot members(Cluster cluster) {
    Map<String, Integer> byStatus = new TreeMap<>();
    for (String s : List.of("joining", "weaklyup", "up", "leaving", "exiting", "down", "removed")) byStatus.put(s, 0);
    for (Member m : cluster.state().getMembers()) {
      byStatus.merge(m.status().toString().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
    }
    GaugeSnapshot.Builder g = GaugeSnapshot.builder().name("passage_cluster_members")
        .help("Members of the Pekko cluster as this node sees them, by status.");
    byStatus.forEach((status, n) -> g.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
        .labels(Labels.of("status", status)).value(n).build()));
    g.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("status", "unreachable"))
        .value(cluster.state().getUnreachable().size()).build());
    return g.build();
  }

  private static MetricSnapshot gauge(String name, String help, double value) {
    return GaugeSnapshot.builder().name(name).help(help)
        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build()).build();
  }
}
