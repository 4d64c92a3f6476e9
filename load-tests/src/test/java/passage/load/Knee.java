package passage.load;

import io.gatling.javaapi.core.Session;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts completed requests per second of the run, and at the end prints the throughput of each
 * level of a stepped closed model and the knee: the last level that still added at least 5% over
 * the one before.
 */
final class Knee {
  private final AtomicLongArray perSecond = new AtomicLongArray(3600);
  private final long start = System.nanoTime();
  private int first;
  private int step;
  private int levels;
  private int seconds;

  void levels(int first, int step, int levels, int seconds) {
    this.first = first;
    this.step = step;
    this.levels = levels;
    this.seconds = seconds;
  }

  Session count(Session session) {
    int s = (int) ((System.nanoTime() - start) / 1_000_000_000L);
    if (s < perSecond.length()) perSecond.incrementAndGet(s);
    return session;
  }

  void report() {
    double previous = 0;
    int kneeUsers = -1;
    double kneeRate = 0;
    for (int level = 0; level < levels; level++) {
      // skip each level's first second: users are still being added
      long n = 0;
      int from = level * seconds + 1;
      int to = (level + 1) * seconds;
      for (int s = from; s < to && s < perSecond.length(); s++) n += perSecond.get(s);
      double rate = to > from ? (double) n / (to - from) : 0;
      int users = first + level * step;
      System.out.printf("level %d: %d users, %.0f req/s%n", level + 1, users, rate);
      if (level == 0 || rate >= previous * 1.05) {
        kneeUsers = users;
        kneeRate = rate;
      }
      previous = Math.max(previous, rate);
    }
    System.out.printf("knee: %d users, %.0f req/s (the last level that added 5%% or more)%n", kneeUsers, kneeRate);
  }
}
