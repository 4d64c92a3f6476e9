package dev.passage.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition with a deadline, polling; never a fixed sleep that hopes. */
public final class Await {
  private Await() {}

  public static void until(Duration deadline, String what, Callable<Boolean> condition) throws Exception {
    long end = System.nanoTime() + deadline.toNanos();
    Throwable last = null;
    while (System.nanoTime() < end) {
      try {
        if (condition.call()) return;
      } catch (Exception | AssertionError e) {
        last = e;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("not true within " + deadline.toMillis() + " ms: " + what, last);
  }
}
