package dev.passage.cluster;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What mutual TLS between the nodes refused, on this node, and this node's own certificate: each
 * refused peer counted (passage_cluster_tls_refusals_total, by direction), summarised in one WARN
 * line per interval with the first reason (a flood of probes makes one line, not thousands), and
 * the expiry of the certificate under secret-mount-point (passage_cluster_certificate_expiry_seconds),
 * with a WARN while it is nearer than passage.cluster.certificate-warning (14 days). One per ActorSystem.
 */
public final class RemotingRefusals implements Extension {
  private static final Logger log = LoggerFactory.getLogger(RemotingRefusals.class);

  private final LongAdder inbound = new LongAdder();
  private final LongAdder outbound = new LongAdder();
  private final LongAdder sinceSummary = new LongAdder();
  private final AtomicReference<String> firstSinceSummary = new AtomicReference<>();
  private volatile String certificateFile;
  private volatile long notAfter; // epoch seconds; 0: not read (yet, or unreadable)
  private final Duration warnBefore;

  public static final class Id extends org.apache.pekko.actor.AbstractExtensionId<RemotingRefusals> {
    @Override
    public RemotingRefusals createExtension(ExtendedActorSystem system) {
      return new RemotingRefusals(system);
    }
  }

  private static final Id ID = new Id();

  public static RemotingRefusals get(ActorSystem system) {
    return ID.apply(system);
  }

  public static RemotingRefusals get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return ID.apply(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system));
  }

  private RemotingRefusals(ExtendedActorSystem system) {
    this.warnBefore = system.settings().config().getDuration("passage.cluster.certificate-warning");
    Duration every = system.settings().config().getDuration("passage.proxy.log-summary-interval");
    system.scheduler().scheduleWithFixedDelay(every, every, this::summarise, system.dispatcher());
  }

  /** A peer refused: why (one line of the engine's or the provider's message). */
  void refused(String peer, String why) {
    (peer.startsWith("inbound") ? inbound : outbound).increment();
    sinceSummary.increment();
    firstSinceSummary.compareAndSet(null, peer + ": " + (why == null ? "" : why.lines().findFirst().orElse(why)));
  }

  void watchCertificate(String file) {
    this.certificateFile = file;
    readCertificate();
  }

  private void readCertificate() {
    String file = certificateFile;
    if (file == null) return;
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      notAfter = c.getNotAfter().toInstant().getEpochSecond();
    } catch (Exception e) {
      notAfter = 0;
      log.warn("cannot read this node's cluster certificate {}: {}", file, e.getMessage());
    }
  }

  /** Once an interval: the refusals since the last line, and the node's certificate read again. */
  private void summarise() {
    long n = sinceSummary.sumThenReset();
    String first = firstSinceSummary.getAndSet(null);
    if (n > 0) log.warn("{} peer(s) refused by mutual TLS on the cluster port (first: {})", n, first);
    if (certificateFile == null) return;
    readCertificate();
    if (expiresWithin(warnBefore)) {
      Duration left = Duration.between(Instant.now(), Instant.ofEpochSecond(notAfter));
      log.warn("this node's cluster certificate {} expires {} ({}): renew the Secret (cert-manager renews it by itself)",
          certificateFile, Instant.ofEpochSecond(notAfter), left.isNegative() ? "expired" : "in " + left.toHours() + " h");
    }
  }

  /** Whether this node's certificate (as last read) expires sooner than this: the WARN's condition. */
  public boolean expiresWithin(Duration horizon) {
    return notAfter != 0 && Duration.between(Instant.now(), Instant.ofEpochSecond(notAfter)).compareTo(horizon) < 0;
  }

  public long refusals() {
    return inbound.sum() + outbound.sum();
  }

  /** Peers that reached this node and were refused. */
  public long inboundRefusals() {
    return inbound.sum();
  }

  public List<MetricSnapshot> snapshots() {
    List<MetricSnapshot> out = new ArrayList<>();
    out.add(CounterSnapshot.builder().name("passage_cluster_tls_refusals")
        .help("Peers refused by mutual TLS between the nodes (a failed handshake, another CA's or no certificate, "
            + "another subject, plain bytes), by direction.")
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("direction", "inbound"))
            .value(inbound.sum()).build())
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("direction", "outbound"))
            .value(outbound.sum()).build())
        .build());
    if (notAfter != 0) {
      out.add(GaugeSnapshot.builder().name("passage_cluster_certificate_expiry_seconds")
          .help("When this node's certificate for mutual TLS between the nodes expires (Unix time, seconds).")
          .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(notAfter).build()).build());
    }
    return out;
  }
}
