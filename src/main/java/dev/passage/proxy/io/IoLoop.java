package dev.passage.proxy.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that waits for socket readiness and runs tasks: the data plane's dispatcher is made
 * of these ({@link IoLoops}), so the stream interpreters of the connections run on the thread
 * that saw their sockets become ready, and a readiness reaches its stage without waking another
 * thread. A key that fires has its interest cleared (epoll is level-triggered) and its
 * {@link Registration} told; the stage asks for interest again when it wants more. Tasks from
 * other threads wake the selector, at most once per turn; tasks from this thread never do.
 */
public final class IoLoop implements Executor, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IoLoop.class);

  private static final int TASKS_PER_TURN = 1024;

  private final IoLoops group;
  private final Selector selector;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean open = true;

  /** A thread of a loop: how a stage finds the loop it runs on. */
  private static final class LoopThread extends Thread {
    private final IoLoop loop;

    LoopThread(IoLoop loop, String name) {
      super(loop::run, name);
      this.loop = loop;
      setDaemon(true);
    }
  }

  IoLoop(IoLoops group, String name) {
    this.group = group;
    try {
      selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    thread = new LoopThread(this, name);
    thread.start();
  }

  /** The loop whose thread runs the caller, or null. */
  static IoLoop current() {
    return Thread.currentThread() instanceof LoopThread t ? t.loop : null;
  }

  /** Runs r on this loop's thread, soon: after the readiness and tasks already at hand. */
  @Override
  public void execute(Runnable r) {
    tasks.add(r);
    if (Thread.currentThread() != thread && wakeupPending.compareAndSet(false, true)) selector.wakeup();
  }

  IoLoops group() {
    return group;
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Registers the channel (non-blocking already) with no interest; the key is set on this thread. */
  Registration register(SelectableChannel channel, Registration.Ready ready) {
    Registration r = new Registration(this, channel, ready);
    if (inLoop()) r.registerNow(selector);
    else execute(() -> r.registerNow(selector));
    return r;
  }

  private void run() {
    while (open) {
      try {
        if (tasks.isEmpty()) selector.select(this::fire);
        else selector.selectNow(this::fire);
        wakeupPending.set(false);
        // a bounded batch: a task that keeps re-submitting itself must not starve the sockets
        Runnable task;
        for (int i = 0; i < TASKS_PER_TURN && (task = tasks.poll()) != null; i++) {
          try {
            task.run();
          } catch (RuntimeException | Error e) {
            log.error("I/O loop task failed", e);
          }
        }
      } catch (IOException | RuntimeException e) {
        if (open) log.warn("I/O loop: {}", e.toString());
      }
    }
    // the node's end: every socket this loop watches goes with it (listeners included, so that
    // their ports are free once close() returns)
    for (SelectionKey key : selector.keys()) {
      try {
        key.channel().close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    try {
      selector.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private void fire(SelectionKey key) {
    if (!key.isValid()) return;
    int ready = key.readyOps();
    key.interestOps(0);
    ((Registration) key.attachment()).fired(ready);
  }

  /** Stops the loop and closes its sockets; returns once they are closed (within 5 s). */
  @Override
  public void close() {
    open = false;
    selector.wakeup();
    if (Thread.currentThread() == thread) return;
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
