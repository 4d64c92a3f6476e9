package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsBackend;
import dev.passage.testkit.TlsClient;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * passage.proxy.max-connections: at the cap a new client is admitted by shedding the oldest
 * connection still without its ClientHello; when every connection is past its hello, a new one is
 * closed at once; room frees up.
 */
class MaxConnectionsTest {
  @TempDir
  Path folder;

  @Test
  void silentConnectionsAreShedOldestFirstToAdmitNewClients() throws Exception {
    try (TlsBackend backend = new TlsBackend("b", "b.example.com")) {
      int port = Fixtures.freePort();
      Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS,
          Fixtures.passthroughGateway("gw", port), Fixtures.service("default", "b", backend.port()),
          Fixtures.route("b", "gw", List.of("b.example.com"), List.of(new Fixtures.Backend("b")))));
      // deadlines that do not shorten under pressure, so that only shedding closes a silent connection here
      try (RunningPassage passage = new RunningPassage(folder, """
          passage.proxy.max-connections = 3
          passage.proxy.client-hello-timeout = 20s
          passage.proxy.client-hello-timeout-at-cap = 20s
          """)) {
        List<Socket> silent = new ArrayList<>();
        try {
          for (int i = 1; i <= 3; i++) { // three connections that never send a byte, in a known order
            silent.add(new Socket("127.0.0.1", port));
            int n = i;
            Await.until(Duration.ofSeconds(5), n + " open", () -> passage.node.dataPlane().openConnections() == n);
          }
          long shedBefore = shed(passage);
          try (TlsClient first = TlsClient.connect(port, "b.example.com")) { // at the cap: admitted
            assertEquals("b", first.greeting.split(" ")[2]);
            assertTrue(closedByPassage(silent.get(0)), "the oldest silent connection was shed");
            assertFalse(closedByPassage(silent.get(1)), "the next one is kept");
            try (TlsClient second = TlsClient.connect(port, "b.example.com")) {
              assertEquals("b", second.greeting.split(" ")[2]);
              assertTrue(closedByPassage(silent.get(1)), "then the next oldest");
              assertFalse(closedByPassage(silent.get(2)));
              Await.until(Duration.ofSeconds(5), "two counted as shed", () -> shed(passage) == shedBefore + 2);
              // now one silent and two routed connections: one more newcomer sheds the last silent one,
              // and the one after it finds no connection to shed and is refused
              try (TlsClient third = TlsClient.connect(port, "b.example.com")) {
                assertTrue(closedByPassage(silent.get(2)));
                Await.until(Duration.ofSeconds(5), "shed ones gone", () -> passage.node.dataPlane().openConnections() == 3);
                assertTrue(TlsClient.refused(port, "b.example.com"), "nothing left to shed: refused");
              }
            }
          }
        } finally {
          for (Socket s : silent) s.close();
        }
      }
    }
  }

  private static long shed(RunningPassage passage) throws Exception {
    return StandaloneProxyTest.refused(passage, "shed");
  }

  /** Whether Passage has closed this connection (EOF within a short wait). */
  private static boolean closedByPassage(Socket s) throws Exception {
    s.setSoTimeout(1000);
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    }
  }

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
