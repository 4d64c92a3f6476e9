package dev.passage.proxy.io;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One TCP socket as a stage: the bytes that come in are written to the socket, the bytes read
 * from it go out, with backpressure both ways (it reads only when pulled and pulls only when its
 * last write is done) and half-close (input finished: FIN after the last byte; EOF: output
 * completes, writing goes on). The stage does its own non-blocking reads and writes on the
 * interpreter's thread, which is the {@link IoLoop} that watches the socket and reports its
 * readiness through an async callback.
 * An outgoing socket connects first (with a timeout) and pulls nothing before it is connected.
 * A peer that takes none of the bytes waiting for it for the send timeout (it stopped reading)
 * fails the stage: the timeout runs from the last write that made progress, so a slow reader
 * that keeps taking bytes is never cut off.
 */
final class SocketStage extends AbstractGraphStageWithMaterializedValue<FlowShape<ByteString, ByteString>, CompletionStage<Void>> {
  private static final String CONNECT_TIMEOUT = "connect";
  private static final String SEND_TIMEOUT = "send";

  private final Inlet<ByteString> in = Inlet.create("socket.in");
  private final Outlet<ByteString> out = Outlet.create("socket.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final ReadBuffers buffers;
  private final BufferBudget budget;
  private final SocketChannel accepted; // null: connect to remote
  private final Registration registered; // an accepted socket already watched (its first bytes are waiting), or null
  private final InetSocketAddress remote;
  private final Duration connectTimeout;
  private final long sendTimeoutNanos;

  private SocketStage(ReadBuffers buffers, BufferBudget budget, SocketChannel accepted, Registration registered,
                      InetSocketAddress remote, Duration connectTimeout, Duration sendTimeout) {
    this.buffers = buffers;
    this.budget = budget;
    this.registered = registered;
    this.accepted = accepted;
    this.remote = remote;
    this.connectTimeout = connectTimeout;
    this.sendTimeoutNanos = sendTimeout.toNanos();
  }

  /** registered: the socket's registration when it has been watched already (bytes are waiting), else null. */
  static SocketStage accepted(ReadBuffers buffers, BufferBudget budget, SocketChannel channel, Registration registered,
                              Duration sendTimeout) {
    return new SocketStage(buffers, budget, channel, registered, null, null, sendTimeout);
  }

  static SocketStage outgoing(ReadBuffers buffers, BufferBudget budget, InetSocketAddress remote,
                              Duration connectTimeout, Duration sendTimeout) {
    return new SocketStage(buffers, budget, null, null, remote, connectTimeout, sendTimeout);
  }


  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  /**
   * The materialized value: completes when the socket is connected (at once for an accepted one),
   * fails with the ConnectException when it cannot be. Pekko HTTP's pools read a connection's
   * outcome from it: without it, a refused connect could reach the pool as the request side's
   * cancellation first ("Connection was cancelled"), which says nothing of a refusal.
   */
  private static final CompletableFuture<Void> CONNECTED = CompletableFuture.completedFuture(null);

  @Override
  public Pair<GraphStageLogic, CompletionStage<Void>> createLogicAndMaterializedValuePair(Attributes attributes) {
    // an accepted socket is connected already: every one shares the one completed future, no allocation
    CompletableFuture<Void> connection = accepted != null ? CONNECTED : new CompletableFuture<>();
    return Pair.create(new Logic(connection), connection);
  }

  private final class Logic extends TimerGraphStageLogic {
    private SocketChannel channel;
    private Registration registration;
    private AsyncCallback<Integer> readiness;
    private boolean connected;
    private boolean readable;       // the last readiness said so, and no read since found it empty
    private ByteBuffer pending;     // bytes of the last element not yet written
    private int pendingHeld;        // the size of that element, counted in the node's buffer budget
    private int elementSize;        // the size of the element being written
    private boolean inputDone;      // upstream finished: FIN once pending is written
    private boolean outputShut;
    private boolean readDone;       // EOF read, or downstream cancelled
    private long lastSendProgress;  // when a write last took bytes, while some are pending
    private boolean sendTimerSet;

    private final CompletableFuture<Void> connection;

    Logic(CompletableFuture<Void> connection) {
      super(shape);
      this.connection = connection;
      setHandler(in, new AbstractInHandler() {
        @Override
        public void onPush() {
          ByteString element = grab(in);
          elementSize = element.size();
          write(element.asByteBuffer()); // a view, no copy, for a compact ByteString
        }

        @Override
        public void onUpstreamFinish() {
          inputDone = true;
          if (connected && pending == null) shutOutput(); // not yet connected: connected() does it
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          abort(ex);
        }
      });
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          if (!connected) return;
          if (readable) read();
          else want();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          readDone = true;
          if (!(cause instanceof org.apache.pekko.stream.SubscriptionWithCancelException.NonFailureCancellation)) {
            abort(cause);
          } else {
            maybeClose();
          }
        }
      });
    }

    @Override
    public void preStart() {
      setKeepGoing(true);
      readiness = createAsyncCallback(this::ready);
      IoLoop loop = IoLoop.current(); // the socket is watched by the loop that runs this interpreter
      if (loop == null) {
        if (accepted != null) close(accepted);
        failStage(new IllegalStateException("a socket stage must run on an I/O loop dispatcher (passage.proxy-dispatcher)"));
        return;
      }
      try {
        if (accepted != null) {
          channel = accepted;
          if (registered != null) { // its first bytes are waiting: read them at the first pull
            registration = registered;
            registration.retarget(ops -> readiness.invoke(ops));
            readable = true;
          } else {
            registration = loop.register(channel, ops -> readiness.invoke(ops));
          }
          connected = true;
          pull(in);
          return;
        }
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        registration = loop.register(channel, ops -> readiness.invoke(ops));
        if (channel.connect(remote)) {
          connected();
        } else {
          registration.interest(SelectionKey.OP_CONNECT);
          scheduleOnce(CONNECT_TIMEOUT, connectTimeout);
        }
      } catch (IOException | RuntimeException e) {
        connectFailed(e);
      }
    }

    private void ready(int ops) {
      if (!connected) {
        if ((ops & SelectionKey.OP_CONNECT) == 0) {
          registration.interest(SelectionKey.OP_CONNECT); // spurious
          return;
        }
        try {
          if (!channel.finishConnect()) {
            registration.interest(SelectionKey.OP_CONNECT);
            return;
          }
          cancelTimer(CONNECT_TIMEOUT);
          connected();
        } catch (IOException | RuntimeException e) {
          connectFailed(e);
        }
        return;
      }
      if ((ops & SelectionKey.OP_READ) != 0) readable = true;
      if (pending != null && (ops & SelectionKey.OP_WRITE) != 0) write(pending);
      if (readable && isAvailable(out) && !readDone) read();
      else want();
    }

    private void connected() {
      connected = true;
      connection.complete(null);
      if (inputDone) shutOutput(); // nothing to write: send the FIN at once
      else pull(in);
      if (isAvailable(out)) want();
    }

    @Override
    public void onTimer(Object key) {
      if (SEND_TIMEOUT.equals(key)) {
        sendTimerSet = false;
        if (pending == null) return;
        long quiet = System.nanoTime() - lastSendProgress;
        if (quiet >= sendTimeoutNanos) {
          abort(new SendTimeoutException("the peer took no bytes for " + sendTimeoutNanos / 1_000_000 + " ms"));
        } else {
          armSendTimer(sendTimeoutNanos - quiet);
        }
      } else if (!connected) {
        connectFailed(new ConnectException("connect timed out after " + connectTimeout.toMillis() + " ms"));
      }
    }

    /** One timer while bytes are pending, moved on only when it fires (never per write). */
    private void armSendTimer(long nanos) {
      sendTimerSet = true;
      scheduleOnce(SEND_TIMEOUT, Duration.ofNanos(nanos));
    }

    private void connectFailed(Exception e) {
      ConnectException failure = e instanceof ConnectException c ? c
          : (ConnectException) new ConnectException("connect to " + remote + " failed: " + e.getMessage()).initCause(e);
      if (registration != null) registration.close(false);
      else close(channel);
      connection.completeExceptionally(failure); // before the ports close: the pool learns why first
      failStage(failure);
    }

    /** The interest that matches what is waited for now. */
    private void want() {
      if (registration == null || !connected) return;
      int ops = 0;
      if (isAvailable(out) && !readDone && !readable) ops |= SelectionKey.OP_READ;
      if (pending != null) ops |= SelectionKey.OP_WRITE;
      if (ops != 0) registration.interest(ops);
    }

    private void read() {
      ByteBuffer buffer = buffers.get();
      buffer.clear();
      if (budget.over()) buffer.limit(BufferBudget.SMALL_READ);
      int n;
      try {
        n = channel.read(buffer);
      } catch (IOException e) {
        abort(e);
        return;
      }
      if (n > 0) {
        buffer.flip();
        readable = n == buffer.limit(); // a full read: there may be more
        push(out, ByteString.fromByteBuffer(buffer));
      } else if (n == 0) {
        readable = false;
        want();
      } else {
        readable = false;
        readDone = true;
        complete(out); // the peer sent FIN
        maybeClose();
      }
    }

    private void write(ByteBuffer data) {
      int written;
      try {
        written = channel.write(data);
      } catch (IOException e) {
        abort(e);
        return;
      }
      if (data.hasRemaining()) {
        if (written > 0 || pending == null) lastSendProgress = System.nanoTime();
        if (pending == null) {
          pendingHeld = elementSize;
          budget.hold(pendingHeld);
        }
        pending = data;
        if (!sendTimerSet) armSendTimer(sendTimeoutNanos);
        want();
        return;
      }
      pending = null;
      releasePending();
      if (inputDone) shutOutput();
      else if (!hasBeenPulled(in) && !isClosed(in)) pull(in);
    }

    private void shutOutput() {
      if (outputShut) return;
      outputShut = true;
      try {
        channel.shutdownOutput();
      } catch (IOException ignored) {
        // the peer is gone: reading will tell
      }
      maybeClose();
    }

    private void maybeClose() {
      if (readDone && outputShut) completeStage();
    }

    private void abort(Throwable cause) {
      if (registration != null) registration.close(true);
      failStage(cause);
    }

    private void releasePending() {
      if (pendingHeld > 0) budget.release(pendingHeld);
      pendingHeld = 0;
    }

    @Override
    public void postStop() {
      releasePending();
      if (registration != null) registration.close(false);
      else close(channel);
    }
  }

  private static void close(SocketChannel channel) {
    if (channel == null) return;
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing more to do
    }
  }
}
