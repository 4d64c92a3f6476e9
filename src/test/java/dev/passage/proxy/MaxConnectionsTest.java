package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** passage.proxy.max-connections: past the limit a new connection is closed at once; room frees up. */
class MaxConnectionsTest {
  @TempDir
  Path folder;

  @Test
  void theLimitHoldsAndFreesUp() throws Exception {
    try (TlsBackend backend = new TlsBackend("b", "b.example.com")) {
      int port = Fixtures.freePort();
      Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS,
          Fixtures.passthroughGateway("gw", port), Fixtures.service("default", "b", backend.port()),
          Fixtures.route("b", "gw", List.of("b.example.com"), List.of(new Fixtures.Backend("b")))));
      try (RunningPassage passage = new RunningPassage(folder, "passage.proxy.max-connections = 2\n");
           TlsClient one = TlsClient.connect(port, "b.example.com");
           TlsClient two = TlsClient.connect(port, "b.example.com")) {
        assertEquals(2, passage.node.dataPlane().openConnections());
        assertTrue(TlsClient.refused(port, "b.example.com"), "a third connection is closed");
        one.close();
        Await.until(Duration.ofSeconds(10), "room again", () -> !TlsClient.refused(port, "b.example.com"));
        two.send("ECHO\n");
        two.send("still\n");
        assertEquals("still", two.readLine());
      }
    }
  }
}
