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
        long modified = Files.getLastModifiedTime(folder.resolve("all.yaml")).toMillis();
        squatter.close();
        Await.until(Duration.ofSeconds(15), "bound on its own and routing", () -> {
          try (TlsClient c = TlsClient.connect(port, "b.example.com")) {
            return c.greeting.equals("hello from b sni=b.example.com");
          }
        });
        assertTrue(passage.get("/passage/routes").body().contains("\"bound\""));
        assertEquals(modified, Files.getLastModifiedTime(folder.resolve("all.yaml")).toMillis(), "no file changed");
      } finally {
        squatter.close();
      }
    }
  }
}
