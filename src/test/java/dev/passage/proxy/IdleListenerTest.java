package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pekko shuts down a dispatcher's executor once no actor has used it for its shutdown-timeout.
 * The data plane's dispatcher runs on the node's I/O loops, which also watch the listening
 * sockets: they must survive that, or a listener that sat idle would accept nothing again.
 */
class IdleListenerTest {
  @TempDir
  Path folder;

  @Test
  void aListenerStillServesAfterTheDataPlaneSatIdle() throws Exception {
    try (TlsBackend backend = new TlsBackend("b", "b.example.com")) {
      int port = Fixtures.freePort();
      Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS,
          Fixtures.passthroughGateway("gw", port), Fixtures.service("default", "b", backend.port()),
          Fixtures.route("b", "gw", List.of("b.example.com"), List.of(new Fixtures.Backend("b")))));
      try (RunningPassage passage = new RunningPassage(folder, "passage.proxy-dispatcher.shutdown-timeout = 50ms\n")) {
        try (TlsClient c = TlsClient.connect(port, "b.example.com")) {
          assertEquals("b", c.greeting.split(" ")[2]);
        }
        // the premise is time itself: idle for 20 times the dispatcher's shutdown-timeout
        Thread.sleep(1000);
        try (TlsClient c = TlsClient.connect(port, "b.example.com")) {
          assertEquals("b", c.greeting.split(" ")[2], "served after the idle period");
        }
      }
    }
  }
}
