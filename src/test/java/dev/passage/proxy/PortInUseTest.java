package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import dev.passage.resources.Kind;
import dev.passage.resources.ObjectKey;
import dev.passage.rules.Condition;
import dev.passage.rules.GatewayStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Gateway port that another process holds: the listener is reported failed (with the cause) and
 * bound on its own once the port is free, with no change to any file.
 */
class PortInUseTest {
  @TempDir
  Path folder;

  @Test
  void aTakenPortIsBoundOnItsOwnOnceItIsFree() throws Exception {
    try (TlsBackend backend = new TlsBackend("b", "b.example.com")) {
      int port = Fixtures.freePort();
      ServerSocket squatter = new ServerSocket();
      squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
      Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS,
          Fixtures.passthroughGateway("gw", port), Fixtures.service("default", "b", backend.port()),
          Fixtures.route("b", "gw", List.of("b.example.com"), List.of(new Fixtures.Backend("b")))));
      try (RunningPassage passage = new RunningPassage(folder, "")) {
        Await.until(Duration.ofSeconds(10), "the listener reported failed, with the cause", () -> {
          String routes = passage.get("/passage/routes").body();
          return routes.contains("failed: ") && routes.contains("Address already in use");
        });
        // the status says so: the listener and (its only listener) the Gateway are not Programmed
        Await.until(Duration.ofSeconds(10), "Programmed=False on the listener", () ->
            programmed(passage).equals("False"));
        GatewayStatus status = gatewayStatus(passage);
        Condition listener = condition(status.listeners().get(0).conditions(), "Programmed");
        assertEquals("Pending", listener.reason());
        assertTrue(listener.message().startsWith("cannot listen on 127.0.0.1:" + port + ": Address already in use"),
            listener.message());
        assertEquals("True", condition(status.listeners().get(0).conditions(), "Accepted").status(), "still valid");
        Condition gateway = condition(status.conditions(), "Programmed");
        assertEquals("False", gateway.status());
        assertTrue(gateway.message().contains("127.0.0.1:" + port), gateway.message());
        // the one readiness rule: every listener has been tried, and a taken port does not hold it back
        assertEquals(200, passage.get("/ready").statusCode());
        long modified = Files.getLastModifiedTime(folder.resolve("all.yaml")).toMillis();
        squatter.close();
        Await.until(Duration.ofSeconds(15), "bound on its own and routing", () -> {
          try (TlsClient c = TlsClient.connect(port, "b.example.com")) {
            return c.greeting.equals("hello from b sni=b.example.com");
          }
        });
        assertTrue(passage.get("/passage/routes").body().contains("\"bound\""));
        Await.until(Duration.ofSeconds(10), "Programmed=True once bound", () -> programmed(passage).equals("True"));
        assertEquals("True", condition(gatewayStatus(passage).conditions(), "Programmed").status());
        assertEquals(modified, Files.getLastModifiedTime(folder.resolve("all.yaml")).toMillis(), "no file changed");
      } finally {
        squatter.close();
      }
    }
  }

  private static GatewayStatus gatewayStatus(RunningPassage passage) {
    return (GatewayStatus) passage.node.statuses().status(ObjectKey.of(Kind.GATEWAY, "default", "gw"));
  }

  private static String programmed(RunningPassage passage) {
    GatewayStatus status = gatewayStatus(passage);
    return status == null ? "none" : condition(status.listeners().get(0).conditions(), "Programmed").status();
  }

  private static Condition condition(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElseThrow();
  }
}
