package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The admission rules on their own: who is shed, when, and the deadline under pressure. */
class AdmissionTest {
  @Test
  void theHelloDeadlineShortensLinearlyFromHalfTheCapToTheCap() {
    AtomicInteger open = new AtomicInteger();
    Admission a = new Admission(100, Duration.ofSeconds(10), Duration.ofSeconds(1), open);
    open.set(0);
    assertEquals(Duration.ofSeconds(10), a.helloDeadline());
    open.set(50);
    assertEquals(Duration.ofSeconds(10), a.helloDeadline());
    open.set(75);
    assertEquals(Duration.ofMillis(5500), a.helloDeadline());
    open.set(100);
    assertEquals(Duration.ofSeconds(1), a.helloDeadline());
    open.set(180); // over the cap while shed connections close: never below the floor
    assertEquals(Duration.ofSeconds(1), a.helloDeadline());
  }

  @Test
  void pastTheCapTheOldestWaitingConnectionIsShedAndOneWithItsHelloNever() {
    AtomicInteger open = new AtomicInteger();
    Admission a = new Admission(3, Duration.ofSeconds(10), Duration.ofSeconds(1), open);
    List<String> shed = new ArrayList<>();
    assertTrue(a.admit());
    Admission.Waiting one = a.waitForHello(() -> shed.add("one"));
    assertTrue(a.admit());
    Admission.Waiting two = a.waitForHello(() -> shed.add("two"));
    assertTrue(a.admit());
    Admission.Waiting three = a.waitForHello(() -> shed.add("three"));
    assertTrue(one.leave(), "one has its hello: no longer sheddable");
    assertTrue(a.admit(), "at the cap, a newcomer gets the slot of the oldest still waiting");
    assertEquals(List.of("two"), shed);
    assertFalse(two.leave(), "two, shed, learns it when its hello arrives");
    assertTrue(a.admit());
    assertEquals(List.of("two", "three"), shed);
    assertFalse(a.admit(), "no connection waiting: refused");
    assertTrue(one.leave(), "leaving twice is harmless");
  }

  @Test
  void underContentionEveryWaitingConnectionIsEitherShedOnceOrAdmitted() throws Exception {
    // a round whose threads did not meet (one finished before the other started, as on a loaded
    // machine) proves nothing: rounds run until one raced, every round held to the invariants
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int raced = 0;
    int rounds = 0;
    while (raced == 0 && System.nanoTime() < deadline) {
      rounds++;
      if (contendedRound()) raced++;
    }
    assertTrue(raced > 0, "the premise: the two threads raced in one of " + rounds + " rounds");
  }

  /** One round of hellos and newcomers meeting; the invariants asserted; true when the threads raced. */
  private static boolean contendedRound() throws Exception {
    AtomicInteger open = new AtomicInteger();
    Admission a = new Admission(1, Duration.ofSeconds(10), Duration.ofSeconds(1), open);
    int n = 200_000;
    Admission.Waiting[] entries = new Admission.Waiting[n];
    AtomicInteger[] shedCalls = new AtomicInteger[n];
    for (int i = 0; i < n; i++) {
      AtomicInteger calls = shedCalls[i] = new AtomicInteger();
      entries[i] = a.waitForHello(calls::incrementAndGet);
    }
    boolean[] left = new boolean[n];
    AtomicInteger admittedByShedding = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    Thread hellos = new Thread(() -> {
      await(go);
      for (int i = n - 1; i >= 0; i--) left[i] = entries[i].leave(); // from the newest: the two meet
    });
    Thread newcomers = new Thread(() -> {
      await(go);
      open.set(10); // always over the cap: every admit must shed
      for (int i = 0; i < n; i++) if (a.admit()) admittedByShedding.incrementAndGet();
    });
    hellos.start();
    newcomers.start();
    go.countDown();
    hellos.join();
    newcomers.join();
    int shedTotal = 0;
    for (int i = 0; i < n; i++) {
      assertTrue(shedCalls[i].get() <= 1, "shed at most once");
      assertEquals(shedCalls[i].get() == 0, left[i], "a connection is admitted by its hello or shed, never both");
      shedTotal += shedCalls[i].get();
    }
    assertEquals(admittedByShedding.get(), shedTotal, "each newcomer past the cap shed exactly one");
    return shedTotal > 0 && shedTotal < n;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
