package dev.passage.proxy;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed-bucket histogram the data plane adds to (one bucket found by a short scan, two
 * additions) and /metrics reads. Observations are whole units (bytes, nanoseconds); divisor turns
 * them into the unit the bounds and the exposition use (1e9 for seconds).
 */
final class Histogram {
  private final double[] bounds;
  private final double divisor;
  private final LongAdder[] counts;
  private final LongAdder sum = new LongAdder();

  Histogram(double[] bounds, double divisor) {
    this.bounds = bounds;
    this.divisor = divisor;
    this.counts = new LongAdder[bounds.length + 1];
    for (int i = 0; i < counts.length; i++) counts[i] = new LongAdder();
  }

  void observe(long value) {
    double x = value / divisor;
    int i = 0;
    while (i < bounds.length && x > bounds[i]) i++;
    counts[i].increment();
    sum.add(value);
  }

  HistogramSnapshot.HistogramDataPointSnapshot point(Labels labels) {
    double[] upper = new double[bounds.length + 1];
    long[] n = new long[bounds.length + 1];
    for (int i = 0; i < n.length; i++) {
      upper[i] = i < bounds.length ? bounds[i] : Double.POSITIVE_INFINITY;
      n[i] = counts[i].sum();
    }
    return HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
        .classicHistogramBuckets(ClassicHistogramBuckets.of(upper, n)).sum(sum.sum() / divisor).build();
  }
}
