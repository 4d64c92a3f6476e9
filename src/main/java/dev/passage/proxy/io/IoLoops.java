package dev.passage.proxy.io;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's {@link IoLoop}s, the data plane's threads. A task submitted from a loop's thread stays
 * on that loop (a connection's interpreter keeps running where its sockets are watched); a task
 * from any other thread goes to the next loop in turn. The node owns them and closes them at its
 * end; the Pekko dispatcher only borrows them ({@link IoLoopsDispatcher}).
 */
public final class IoLoops implements Executor, AutoCloseable {
  private final IoLoop[] loops;
  private final AtomicInteger next = new AtomicInteger();

  public IoLoops(String name, int threads) {
    loops = new IoLoop[threads];
    for (int i = 0; i < threads; i++) loops[i] = new IoLoop(this, name + "-" + (i + 1));
  }

  /** The next loop in turn: where a new connection goes. */
  IoLoop next() {
    return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
  }

  /** On the calling thread's loop if it is one of ours, else on the next in turn. */
  @Override
  public void execute(Runnable task) {
    IoLoop current = IoLoop.current();
    (current != null && current.group() == this ? current : next()).execute(task);
  }

  /** Stops the loops (the node's end). */
  @Override
  public void close() {
    for (IoLoop l : loops) l.close();
  }
}
