package dev.passage.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.Scrape;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Status writes at scale, against the mock API server: a controller that starts where the
 * statuses are already written (a restart, or a takeover) writes none of them again; the writer
 * keeps to its rate, with its queue on /metrics; one changed route is one write.
 */
class StatusWritesTest {
  static final int ROUTES = 30;

  static String objects(int port) {
    List<String> docs = new ArrayList<>(List.of(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", port),
        Fixtures.service("default", "svc", 9)));
    for (int i = 0; i < ROUTES; i++) {
      docs.add(Fixtures.route("r" + i, "gw", List.of("r" + i + ".example.com"), List.of(new Fixtures.Backend("svc"))));
    }
    return Fixtures.join(docs.toArray(String[]::new));
  }

  static String config(int portBase, int perSecond, int burst) {
    return """
        passage.kubernetes.bind-address = "127.0.0.1"
        passage.kubernetes.port-range-start = %d
        passage.kubernetes.port-range-end = %d
        passage.kubernetes.status-writes-per-second = %d
        passage.kubernetes.status-write-burst = %d
        passage.kubernetes.batch-window = 20ms
        """.formatted(portBase, portBase + 10, perSecond, burst);
  }

  static boolean allRoutesHaveStatus(MockApiServer api) {
    for (TLSRoute r : api.client.resources(TLSRoute.class).inNamespace("default").list().getItems()) {
      if (r.getStatus() == null || r.getStatus().getParents() == null || r.getStatus().getParents().isEmpty()) return false;
    }
    return true;
  }

  static double writes(RunningPassage p, String result) throws Exception {
    return Scrape.of(p).value("passage_status_writes_total", Map.of("result", result));
  }

  @Test
  void aControllerThatStartsWhereTheStatusesAreWrittenWritesNoneAgainAndKeepsToItsRate() throws Exception {
    int portBase = Fixtures.freePortRange(21);
    try (MockApiServer api = new MockApiServer()) {
      api.create(objects(portBase + 20));
      // the first controller writes every status (each route's, the Gateway's, its class's), at 10 a second after a burst of 5
      long started = System.nanoTime();
      double maxQueue = 0;
      try (RunningPassage first = RunningPassage.kubernetes(api.clientVia(api.port()), config(portBase, 10, 5))) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!allRoutesHaveStatus(api) || writes(first, "written") < ROUTES + 2) {
          maxQueue = Math.max(maxQueue, Scrape.of(first).value("passage_status_write_queue", Map.of()));
          if (System.nanoTime() > deadline) throw new AssertionError("statuses not written in 30 s");
          Thread.sleep(50);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // 32 writes at 10/s after a burst of 5 take 2.7 s at least: the rate held
        assertTrue(seconds >= 2.5, "written in " + seconds + " s: faster than the rate allows");
        assertTrue(maxQueue >= 10, "the queue was seen on /metrics: " + maxQueue);
      }
      // a second controller (a restart, a takeover) finds every status written already
      try (RunningPassage second = RunningPassage.kubernetes(api.clientVia(api.port()), config(portBase, 10, 5))) {
        Await.until(Duration.ofSeconds(30), "the second controller compared every status",
            () -> writes(second, "current") >= ROUTES + 2);
        assertEquals(0, writes(second, "written"), "no status written again");
        assertEquals(0, writes(second, "unchanged"), "and none even read from the server to find it unchanged");
        // one route changes (it names a Service that does not exist): one write, of that route
        api.edit(TLSRoute.class, "default", "r7", r -> {
          r.getSpec().getRules().get(0).getBackendRefs().get(0).setName("missing");
          return r;
        });
        Await.until(Duration.ofSeconds(30), "the changed route's status written", () -> writes(second, "written") >= 1);
        TLSRoute r7 = api.client.resources(TLSRoute.class).inNamespace("default").withName("r7").get();
        assertTrue(r7.getStatus().getParents().get(0).getConditions().stream()
            .anyMatch(c -> c.getType().equals("ResolvedRefs") && c.getStatus().equals("False")), "r7's new status");
        Await.until(Duration.ofSeconds(10), "nothing left to write",
            () -> Scrape.of(second).value("passage_status_write_queue", Map.of()) == 0);
        assertEquals(1, writes(second, "written"), "exactly one write for one changed route");
      }
    }
  }
}
