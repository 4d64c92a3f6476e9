package dev.passage.proxy.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passage's TCP transport for the data plane, in Pekko Streams terms: a listener hands out
 * accepted connections, each of which is handled by joining a {@code Flow<ByteString, ByteString>}
 * to the socket's stage; an outgoing connection is a {@code Flow<ByteString, ByteString>} too.
 * Unlike Pekko IO (an actor per socket, and several messages per read and per write), a socket
 * here is one stage fused into its connection's interpreter, doing its own reads and writes, and
 * the interpreter runs on the {@link IoLoop} that watches its sockets (the dispatcher
 * passage.proxy-dispatcher is made of them). A listener accepts on one loop and hands each
 * connection to the next loop in turn, which materialises its handler.
 */
public final class NioTcp {
  private static final Logger log = LoggerFactory.getLogger(NioTcp.class);
  private static final int ACCEPTS_PER_READINESS = 64;
  private static final long ACCEPT_BACKOFF_MS = 100;

  private final ReadBuffers buffers;
  private final Duration sendTimeout;
  private final BufferBudget budget;
  private final Materializer materializer;
  private final Executor dispatcher;
  private final Attributes onDispatcher;

  /**
   * dispatcher: the I/O loop dispatcher named dispatcherId, on which every connection runs;
   * sendTimeout: how long a socket's peer may take none of the bytes waiting for it.
   */
  public NioTcp(Materializer materializer, Executor dispatcher, String dispatcherId, int readBufferBytes,
                Duration sendTimeout, BufferBudget budget) {
    this.buffers = new ReadBuffers(readBufferBytes);
    this.budget = budget;
    this.sendTimeout = sendTimeout;
    this.materializer = materializer;
    this.dispatcher = dispatcher;
    this.onDispatcher = ActorAttributes.dispatcher(dispatcherId);
  }

  /** An accepted connection, not yet handled. */
  public final class Incoming {
    private final SocketChannel channel;
    private final InetSocketAddress remote;

    private Incoming(SocketChannel channel, InetSocketAddress remote) {
      this.channel = channel;
      this.remote = remote;
    }

    public InetSocketAddress remoteAddress() {
      return remote;
    }

    /** The address the client connected to (asked of the socket: call it when it is needed). */
    public InetSocketAddress localAddress() {
      try {
        return (InetSocketAddress) channel.getLocalAddress();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    /** Runs the handler on this connection, whose registration has seen its first bytes. */
    private void run(Registration registered, Flow<ByteString, ByteString, ?> handler) {
      Flow.fromGraph(SocketStage.accepted(buffers, budget, channel, registered, sendTimeout)).join(handler)
          .withAttributes(onDispatcher).run(materializer);
    }

    /**
     * Runs the handler on this connection now, before any byte has come (a TCP listener's: the
     * server may speak first). Call on an I/O loop (where onConnection runs).
     */
    public void start(Flow<ByteString, ByteString, ?> handler) {
      run(null, handler);
    }

    /**
     * Watches the connection, with no stream yet, until its first bytes (or its end) arrive, then
     * runs the handler made at that moment. A connection that never sends costs a registration,
     * not a materialised stream. Call on an I/O loop (where onConnection runs).
     */
    public FirstBytes whenReadable(java.util.function.Supplier<Flow<ByteString, ByteString, ?>> handler) {
      FirstBytes waiting = new FirstBytes();
      IoLoop loop = IoLoop.current();
      waiting.registration = loop.register(channel, ops -> {
        if (waiting.state.compareAndSet(FirstBytes.WAITING, FirstBytes.STARTED)) run(waiting.registration, handler.get());
      });
      waiting.registration.interest(SelectionKey.OP_READ);
      return waiting;
    }

    /**
     * Refuses the connection cleanly: FIN at once, then whatever the client sends is read and
     * dropped until it closes too, or for at most linger (closing a socket with unread bytes would
     * reset it, and the client would see an error instead of a close).
     */
    public void refuse(Duration linger) {
      IoLoop loop = IoLoop.current();
      try {
        channel.shutdownOutput();
      } catch (IOException e) {
        NioTcp.close(channel);
        return;
      }
      ByteBuffer sink = ByteBuffer.allocate(512);
      Registration[] self = new Registration[1];
      self[0] = loop.register(channel, ops -> {
        try {
          int n;
          do {
            sink.clear();
            n = channel.read(sink);
          } while (n > 0);
          if (n < 0) self[0].close(false);
          else self[0].interest(SelectionKey.OP_READ);
        } catch (IOException e) {
          self[0].close(false);
        }
      });
      self[0].interest(SelectionKey.OP_READ);
      CompletableFuture.delayedExecutor(linger.toMillis(), TimeUnit.MILLISECONDS, loop).execute(() -> self[0].close(false));
    }
  }

  /** A connection waiting for its first bytes (see {@link Incoming#whenReadable}). */
  public static final class FirstBytes {
    private static final int WAITING = 0, STARTED = 1, CLOSED = 2;
    private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Registration registration;

    /** Closes it (FIN) if it is still waiting: true if it did, false if its stream has started. */
    public boolean close() {
      if (!state.compareAndSet(WAITING, CLOSED)) return false;
      registration.close(false);
      return true;
    }
  }

  /** A bound listener. */
  public final class Binding {
    private final ServerSocketChannel server;
    private final InetSocketAddress local;
    private volatile Registration registration;

    private Binding(ServerSocketChannel server) throws IOException {
      this.server = server;
      this.local = (InetSocketAddress) server.getLocalAddress();
    }

    public InetSocketAddress localAddress() {
      return local;
    }

    /** Stops accepting; connections already accepted go on. */
    public void unbind() {
      dispatcher.execute(() -> {
        if (registration != null) registration.close(false);
        else close(server);
      });
    }
  }

  /** Binds now (a port in use fails here, with the cause); each connection goes to onConnection. */
  public Binding bind(String host, int port, int backlog, Consumer<Incoming> onConnection) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    try {
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(new InetSocketAddress(host, port), backlog);
      server.configureBlocking(false);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    Binding binding = new Binding(server);
    dispatcher.execute(() -> {
      IoLoop loop = IoLoop.current();
      Registration[] self = new Registration[1];
      self[0] = loop.register(server, ops -> accept(server, self[0], onConnection));
      self[0].interest(SelectionKey.OP_ACCEPT);
      binding.registration = self[0];
    });
    return binding;
  }

  private void accept(ServerSocketChannel server, Registration registration, Consumer<Incoming> onConnection) {
    for (int i = 0; i < ACCEPTS_PER_READINESS; i++) {
      SocketChannel channel;
      try {
        channel = server.accept();
        if (channel == null) break;
      } catch (IOException e) {
        if (!server.isOpen()) return;
        // e.g. out of file descriptors: the connection stays in the backlog and the socket stays
        // ready, so accepting again at once would spin; try again after a pause (and log once per pause)
        log.warn("accept on {}: {}; accepting again in {} ms", local(server), e.toString(), ACCEPT_BACKOFF_MS);
        IoLoop loop = IoLoop.current();
        CompletableFuture.delayedExecutor(ACCEPT_BACKOFF_MS, TimeUnit.MILLISECONDS, loop).execute(() -> {
          if (server.isOpen()) registration.interest(SelectionKey.OP_ACCEPT);
        });
        return;
      }
      InetSocketAddress remote;
      try {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        remote = (InetSocketAddress) channel.getRemoteAddress();
      } catch (IOException e) {
        close(channel); // gone already
        continue;
      }
      Incoming incoming = new Incoming(channel, remote);
      IoLoop.current().group().next().execute(() -> onConnection.accept(incoming));
    }
    if (server.isOpen()) registration.interest(SelectionKey.OP_ACCEPT);
  }

  /** A connection to remote, made when the flow is materialised; it fails with a ConnectException. */
  public Flow<ByteString, ByteString, NotUsed> outgoing(InetSocketAddress remote, Duration connectTimeout) {
    return connecting(remote, connectTimeout).mapMaterializedValue(connected -> NotUsed.getInstance());
  }

  /** The same, materializing the connect's outcome: done once connected, failed with the ConnectException. */
  public Flow<ByteString, ByteString, java.util.concurrent.CompletionStage<Void>> connecting(InetSocketAddress remote,
                                                                                             Duration connectTimeout) {
    return Flow.fromGraph(SocketStage.outgoing(buffers, budget, remote, connectTimeout, sendTimeout));
  }

  private static Object local(ServerSocketChannel server) {
    try {
      return server.getLocalAddress();
    } catch (IOException e) {
      return server;
    }
  }

  private static void close(java.nio.channels.Channel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing more to do
    }
  }

}
