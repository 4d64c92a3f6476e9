package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.route;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.Fixtures.Backend;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.TlsClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peers that stop playing their part: a backend that never reads or never finishes after the
 * client's FIN, a client that never reads or never finishes after the backend's FIN. Each must
 * end within its timeout (client-fin, server-fin, send: 1 s here) instead of holding a slot for
 * the hour-long idle timeout. Each test first shows the connection was relayed and still open
 * (the premise), then that Passage let it go.
 */
class StuckPeersTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  @TempDir
  static Path folder;
  static int port;
  static RunningPassage passage;
  static ServerSocket backend;
  private final CompletableFuture<Socket> accepted = new CompletableFuture<>();

  @BeforeAll
  static void start() throws Exception {
    backend = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    port = Fixtures.freePort();
    Files.writeString(folder.resolve("all.yaml"), join(GATEWAY_CLASS, Fixtures.passthroughGateway("gw", port),
        service("default", "raw", backend.getLocalPort()),
        route("raw", "gw", List.of("raw.example.com"), List.of(new Backend("raw")))));
    passage = new RunningPassage(folder, """
        passage.proxy.client-fin-timeout = 1s
        passage.proxy.server-fin-timeout = 1s
        passage.proxy.send-timeout = 1s
        """);
  }

  @AfterAll
  static void stop() throws IOException {
    if (passage != null) passage.close();
    if (backend != null) backend.close();
  }

  @BeforeEach
  void acceptOne() {
    Thread t = new Thread(() -> {
      try {
        accepted.complete(backend.accept());
      } catch (IOException e) {
        accepted.completeExceptionally(e);
      }
    }, "accept");
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void closeBackendSide() throws Exception {
    if (accepted.isDone() && !accepted.isCompletedExceptionally()) accepted.get().close();
    Await.until(Duration.ofSeconds(10), "no connection left open", () -> passage.node.dataPlane().openConnections() == 0);
    assertEquals(0, passage.node.dataPlane().bufferBudget().held(), "every buffered byte released");
  }

  /** A client that has sent a real ClientHello for raw.example.com; returns once the backend has the connection. */
  private Socket routedClient() throws Exception {
    Socket client = new Socket("127.0.0.1", port);
    client.getOutputStream().write(TlsClient.clientHello("raw.example.com"));
    accepted.get(10, TimeUnit.SECONDS);
    Await.until(Duration.ofSeconds(5), "the connection is relayed", () -> passage.node.dataPlane().openConnections() == 1);
    return client;
  }

  /** The premise: well inside the timeout, the client's side is still open (a read waits). */
  private static void stillOpen(Socket client) throws IOException {
    client.setSoTimeout(200);
    assertThrows(SocketTimeoutException.class, () -> client.getInputStream().read(), "the connection is still open");
    assertEquals(1, passage.node.dataPlane().openConnections());
  }

  private static long readUntilEnd(Socket s, Duration within) throws IOException {
    s.setSoTimeout((int) within.toMillis());
    InputStream in = s.getInputStream();
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) total += n;
    } catch (java.net.SocketException reset) {
      // a reset also ends it
    }
    return total;
  }

  @Test
  void aBackendThatNeverAnswersAfterTheClientsFinIsLetGo() throws Exception {
    try (Socket client = routedClient()) {
      client.shutdownOutput(); // the client is done; the backend reads nothing and says nothing
      long finSent = System.nanoTime();
      stillOpen(client);
      readUntilEnd(client, Duration.ofSeconds(10));
      long ms = (System.nanoTime() - finSent) / 1_000_000;
      assertTrue(ms >= TIMEOUT.toMillis() - 50, "ended after " + ms + " ms, not by the client-fin timeout");
      Await.until(Duration.ofSeconds(5), "Passage let the connection go", () -> passage.node.dataPlane().openConnections() == 0);
    }
  }

  @Test
  void aClientThatNeverFinishesAfterTheBackendsFinIsLetGo() throws Exception {
    try (Socket client = routedClient()) {
      Socket server = accepted.get();
      server.getOutputStream().write("bye\n".getBytes());
      server.shutdownOutput(); // the backend is done; the client keeps its side open, silent
      client.setSoTimeout(5000);
      byte[] bye = client.getInputStream().readNBytes(4);
      assertEquals("bye\n", new String(bye));
      assertEquals(-1, client.getInputStream().read(), "the backend's FIN reaches the client");
      assertEquals(1, passage.node.dataPlane().openConnections(), "premise: half-closed, still held");
      // the backend sees the whole connection end once the server-fin timeout has passed
      long total = readUntilEnd(server, Duration.ofSeconds(10));
      assertTrue(total > 0, "the backend received the hello");
      Await.until(Duration.ofSeconds(5), "Passage let the connection go", () -> passage.node.dataPlane().openConnections() == 0);
    }
  }

  @Test
  void aBackendThatStopsReadingIsLetGoAndTheClientClosedCleanly() throws Exception {
    try (Socket client = routedClient()) {
      // the client streams far more than the socket buffers hold; the backend reads none of it
      CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
        byte[] chunk = new byte[64 * 1024];
        long sent = 0;
        try {
          for (int i = 0; i < 4096; i++) {
            client.getOutputStream().write(chunk);
            sent += chunk.length;
          }
        } catch (IOException closed) {
          return sent;
        }
        return sent;
      });
      stillOpen(client);
      Await.until(Duration.ofSeconds(15), "Passage let the connection go", () -> passage.node.dataPlane().openConnections() == 0);
      long sent = writer.get(15, TimeUnit.SECONDS);
      assertTrue(sent < 4096L * 64 * 1024, "the writer was stopped, not drained (" + sent + " bytes)");
    }
  }

  @Test
  void aClientThatStopsReadingIsLetGo() throws Exception {
    try (Socket client = routedClient()) {
      Socket server = accepted.get();
      CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
        byte[] chunk = new byte[64 * 1024];
        long sent = 0;
        try {
          for (int i = 0; i < 4096; i++) {
            server.getOutputStream().write(chunk);
            sent += chunk.length;
          }
        } catch (IOException closed) {
          return sent;
        }
        return sent;
      });
      // the client reads nothing at all: what Passage read from the backend waits, counted in the budget
      Await.until(Duration.ofSeconds(5), "bytes held for the client", () -> passage.node.dataPlane().bufferBudget().held() > 0);
      Await.until(Duration.ofSeconds(15), "Passage let the connection go", () -> passage.node.dataPlane().openConnections() == 0);
      long sent = writer.get(15, TimeUnit.SECONDS);
      assertTrue(sent < 4096L * 64 * 1024, "the backend's writer was stopped, not drained (" + sent + " bytes)");
      assertTrue(sent > 0, "the backend sent bytes before the client stalled");
    }
  }
}
