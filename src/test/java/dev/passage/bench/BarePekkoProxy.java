package dev.passage.bench;

import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;

/**
 * The floor of Passage's stack, for the benchmarks: a Pekko Streams TCP proxy with no SNI and
 * no routing, each accepted connection joined to a new connection to one fixed backend, on the
 * same Pekko settings as Passage (application.conf), without the cluster. Whatever Passage
 * spends above this per connection is Passage's own; the rest is Pekko IO's.
 * <pre>
 *   java -cp target/passage.jar:target/test-classes dev.passage.bench.BarePekkoProxy 18083 127.0.0.1 18443
 * </pre>
 */
public final class BarePekkoProxy {
  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    InetSocketAddress backend = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
    ActorSystem system = ActorSystem.create("bare", ConfigFactory.parseString("pekko.actor.provider = local")
        .withFallback(ConfigFactory.load()));
    Tcp tcp = Tcp.get(system);
    tcp.bind("127.0.0.1", port, 1024, List.of(), true, Optional.empty())
        .to(Sink.foreach(c -> c.handleWith(tcp.outgoingConnection(backend, Optional.empty(), List.of(), true,
            Optional.empty(), Optional.empty()), system)))
        .run(system);
    system.log().info("bare Pekko proxy on 127.0.0.1:{} -> {}", port, backend);
  }
}
