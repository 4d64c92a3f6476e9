package dev.passage.proxy.http;

import dev.passage.proxy.io.NioTcp;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ClientTransport;
import org.apache.pekko.http.javadsl.OutgoingConnection;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * The TCP under Pekko HTTP's client pools: the data plane's own sockets (io/SocketStage on the I/O
 * loops, as for TLSRoute backends) instead of Pekko's actor-based TCP. Measured with hey against
 * nginx through an HTTPRoute: see docs/serving.md, Serving HTTP. A refused connect fails the connection's
 * stream with a ConnectException, which {@link HttpService} recognises as "never reached".
 */
final class BackendTransport extends ClientTransport {
  private final NioTcp tcp;
  private final String dispatcher;
  private final Duration connectTimeout;

  BackendTransport(NioTcp tcp, String dispatcher, Duration connectTimeout) {
    this.tcp = tcp;
    this.dispatcher = dispatcher;
    this.connectTimeout = connectTimeout;
  }

  @Override
  public Flow<ByteString, ByteString, CompletionStage<OutgoingConnection>> connectTo(String host, int port,
      ClientConnectionSettings settings, ActorSystem system) {
    InetSocketAddress remote = new InetSocketAddress(host, port);
    OutgoingConnection connection = new OutgoingConnection(
        new org.apache.pekko.http.scaladsl.Http.OutgoingConnection(new InetSocketAddress(0), remote));
    // the socket stage runs on an I/O loop: its own island there, whatever runs the pool
    // the pool learns of a refused connect from the materialized value (a ConnectException), which
    // HttpService's failover looks for, whatever order the stream's failure and cancellation arrive in
    return tcp.connecting(remote, connectTimeout).async(dispatcher)
        .mapMaterializedValue(connected -> connected.thenApply(ok -> connection));
  }
}
