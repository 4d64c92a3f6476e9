package dev.passage.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.MockApiServer;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TcpRelay;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The API server restarts under a running Passage: it goes away (connections cut, new ones
 * refused), and a new one comes back on the same address holding a changed state, whose watches
 * answer 410 Gone to a client resuming from an old resourceVersion (its history is gone, as after
 * an etcd compaction or restore). Passage serves every connection throughout with the tables it
 * holds, relists on the 410 without being restarted, serves the restarted server's state, and
 * writes its statuses there.
 */
class ApiServerRestartTest {
  static String objects(int port, TlsBackend a, TlsBackend b, String backend) {
    return Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", 443),
        Fixtures.service("default", "a", a.port()), Fixtures.service("default", "b", b.port()),
        Fixtures.route("app", "gw", List.of("app.example.com"), List.of(new Fixtures.Backend(backend))));
  }

  static int gatewayPort(MockApiServer api) {
    return api.gatewayPort("gw");
  }

  static String reach(int port) throws IOException {
    try (TlsClient c = TlsClient.connect(port, "app.example.com")) {
      return c.greeting.split(" ")[2];
    }
  }

  @Test
  void passageServesThroughARestartAndRelistsWhenItsWatchesAreGone() throws Exception {
    int portBase = Fixtures.freePortRange(21);
    MockApiServer before = new MockApiServer();
    MockApiServer after = null;
    try (TlsBackend a = new TlsBackend("a", "app.example.com");
         TlsBackend b = new TlsBackend("b", "app.example.com");
         TcpRelay relay = new TcpRelay(before.port())) {
      before.create(objects(portBase, a, b, "a"));
      try (RunningPassage passage = RunningPassage.kubernetes(before.clientVia(relay.port()), Fixtures.kubernetesOnLoopback(portBase))) {
        Await.until(Duration.ofSeconds(30), "the Gateway's Service", () -> gatewayPort(before) > 0);
        int port = gatewayPort(before);
        Await.until(Duration.ofSeconds(30), "served by a", () -> reach(port).equals("a"));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger served = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread traffic = new Thread(() -> {
          while (!stop.get()) {
            try {
              String who = reach(port);
              if (who.equals("a") || who.equals("b")) served.incrementAndGet();
              else failures.add("reached " + who);
            } catch (Exception e) {
              failures.add(e.toString());
            }
          }
        }, "traffic");
        traffic.start();
        int servedBefore;
        try {
          relay.stop(); // the API server goes away
          before.close();
          Await.until(Duration.ofSeconds(10), "connections served while the API server is away", () -> served.get() > 20);
          servedBefore = served.get();
          after = new MockApiServer(); // and comes back, with a changed state and no history
          after.goneForStaleWatches();
          // A fresh mock numbers resourceVersions from 1 again, and an informer takes a relisted
          // object whose resourceVersion equals the one it holds for unchanged (no event): the
          // route could come back with its old number and the change to b go unseen (a CI run).
          // Writes of a kind Passage does not watch move the counter past every number used before.
          for (int i = 0; i < 300; i++) {
            after.client.serviceAccounts().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata().withName("filler-" + i).endMetadata().build()).create();
          }
          after.create(objects(portBase, a, b, "b"));
          long version = Long.parseLong(after.client.resources(TLSRoute.class).inNamespace("default").withName("app").get()
              .getMetadata().getResourceVersion());
          assertTrue(version > 300, "the premise: the route's resourceVersion is past the old server's: " + version);
          relay.retarget(after.port());
          relay.start();
          MockApiServer restarted = after;
          Await.until(Duration.ofSeconds(60), "the restarted server's route is served", () -> reach(port).equals("b"));
          Await.until(Duration.ofSeconds(30), "the route's status written to the restarted server", () -> {
            TLSRoute r = restarted.client.resources(TLSRoute.class).inNamespace("default").withName("app").get();
            return r.getStatus() != null && r.getStatus().getParents() != null && !r.getStatus().getParents().isEmpty();
          });
          Await.until(Duration.ofSeconds(30), "the Gateway's Service made again, with the same port",
              () -> gatewayPort(restarted) == port);
        } finally {
          stop.set(true);
          traffic.join();
        }
        assertFalse(after.answeredGone().isEmpty(), "the premise: watches resumed from an old version and got 410 Gone");
        assertTrue(after.listsAfterGone() > 0, "the watchers relisted after the 410");
        // and the metrics say so: watches failed while the server was away, statuses were written
        dev.passage.testkit.Scrape metrics = dev.passage.testkit.Scrape.of(passage);
        assertTrue(metrics.sum("passage_watch_failures_total", java.util.Map.of()) > 0, "watch failures counted");
        assertTrue(metrics.value("passage_watch_lists_total", java.util.Map.of("kind", "TLSRoute")) >= 2,
            "the first list of TLSRoutes, and the relist after the 410");
        assertTrue(metrics.value("passage_status_writes_total", java.util.Map.of("result", "written")) > 0);
        assertTrue(metrics.value("passage_source_synced_timestamp_seconds", java.util.Map.of()) > 0);
        assertTrue(metrics.value("passage_change_sets_applied_total", java.util.Map.of()) >= 2, "the first sync and the restart's");
        assertTrue(metrics.value("passage_routes_judged_total", java.util.Map.of()) > 0);
        assertTrue(metrics.value("passage_table_changes", java.util.Map.of()) >= 2, "a's table, then b's");
        assertEquals(1, metrics.value("passage_controller", java.util.Map.of()));
        assertEquals(List.of(), failures, "no connection failed while the API server restarted");
        assertTrue(served.get() > servedBefore, "served throughout: " + served.get());
      }
    } finally {
      if (after != null) after.close();
    }
  }
}
