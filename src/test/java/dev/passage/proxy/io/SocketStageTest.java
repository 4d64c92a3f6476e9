package dev.passage.proxy.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

/** The socket stage on its own, on I/O loops, against a plain blocking server. */
class SocketStageTest {
  @Test
  void anOutgoingSocketWhoseInputEndedBeforeItConnectedSendsItsFinOnceConnected() throws Exception {
    ActorSystem system = ActorSystem.create("socket-stage", ConfigFactory.parseString("""
        pekko.actor.provider = local
        test-io { io-loops.threads = 1 }
        """).withFallback(ConfigFactory.load()));
    IoLoops loops = new IoLoops("test-io", 1);
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      IoLoopsDispatcher.register(system, "test-io", loops);
      NioTcp tcp = new NioTcp(Materializer.matFromSystem(system), system.dispatchers().lookup("test-io"), "test-io", 64 * 1024, java.time.Duration.ofSeconds(60),
          new BufferBudget(Long.MAX_VALUE));
      // the server reads until the client's FIN, then answers and closes
      CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
        try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
          int before = in.readAllBytes().length;
          s.getOutputStream().write(("got " + before + " bytes, then FIN").getBytes(StandardCharsets.US_ASCII));
          return "ok";
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      ByteString answer = Source.<ByteString>empty()
          .via(tcp.outgoing(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), Duration.ofSeconds(5)))
          .toMat(Sink.<ByteString, ByteString>fold(ByteString.emptyByteString(), (acc, b) -> acc.concat(b)), Keep.right())
          .withAttributes(ActorAttributes.dispatcher("test-io"))
          .run(Materializer.matFromSystem(system))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals("ok", served.get(10, TimeUnit.SECONDS));
      assertEquals("got 0 bytes, then FIN", answer.utf8String());
    } finally {
      system.terminate();
      loops.close();
    }
  }
}
