package dev.passage.proxy.io;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A channel's place in an {@link IoLoop}: the interest its owner wants and where readiness goes.
 * The owner may call {@link #interest} from any thread; the key is only touched on the loop's
 * thread. Readiness may be reported spuriously (a read then returns 0): owners tolerate it.
 */
final class Registration {
  /** Told the ready operations, on the loop's thread; must not block. */
  interface Ready {
    void ready(int readyOps);
  }

  private final IoLoop loop;
  private final SelectableChannel channel;
  private volatile Ready ready;
  private SelectionKey key; // loop thread only
  private volatile int wanted;
  private final AtomicBoolean updateQueued = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  Registration(IoLoop loop, SelectableChannel channel, Ready ready) {
    this.loop = loop;
    this.channel = channel;
    this.ready = ready;
  }

  void registerNow(Selector selector) {
    if (closed.get()) return;
    try {
      key = channel.register(selector, wanted, this);
    } catch (ClosedChannelException e) {
      ready.ready(SelectionKey.OP_READ | SelectionKey.OP_WRITE); // the owner finds the channel closed
    }
  }

  /** From now on readiness goes here (a connection handed from its first-bytes wait to its stream). */
  void retarget(Ready to) {
    this.ready = to;
  }

  void fired(int readyOps) {
    ready.ready(readyOps);
  }

  /** Asks for these operations (replacing the last wish); cleared again each time the key fires. */
  void interest(int ops) {
    wanted = ops;
    if (loop.inLoop() && key != null) {
      if (key.isValid()) key.interestOps(ops); // applied by the loop's next select: no wake-up
    } else if (updateQueued.compareAndSet(false, true)) {
      loop.execute(this::apply);
    }
  }

  private void apply() {
    updateQueued.set(false);
    if (key != null && key.isValid()) key.interestOps(wanted);
  }

  /** Closes the channel on the loop's thread (so that the descriptor is released at once). abort: RST. */
  void close(boolean abort) {
    if (!closed.compareAndSet(false, true)) return;
    loop.execute(() -> {
      try {
        if (abort && channel instanceof SocketChannel s) s.setOption(StandardSocketOptions.SO_LINGER, 0);
      } catch (IOException ignored) {
        // closing anyway
      }
      if (key != null) key.cancel();
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
    });
  }
}
