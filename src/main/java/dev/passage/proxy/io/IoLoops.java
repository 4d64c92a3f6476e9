package dev.passage.proxy.io;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The data plane's executor: a few {@link IoLoop}s. A task submitted from a loop's thread stays
 * on that loop (a connection's interpreter keeps running where its sockets are watched); a task
 * from any other thread goes to the next loop in turn.
 */
public final class IoLoops extends AbstractExecutorService implements AutoCloseable {
  private final IoLoop[] loops;
  private final AtomicInteger next = new AtomicInteger();
  private volatile boolean shutdown;

  public IoLoops(String name, int threads) {
    loops = new IoLoop[threads];
    for (int i = 0; i < threads; i++) loops[i] = new IoLoop(this, name + "-" + (i + 1));
  }

  /** The loop of the calling thread if it is one of ours, else the next in turn. */
  IoLoop pick() {
    IoLoop current = IoLoop.current();
    return current != null && current.group() == this ? current : next();
  }

  /** The next loop in turn: where a new connection goes. */
  IoLoop next() {
    return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
  }

  @Override
  public void execute(Runnable task) {
    pick().execute(task);
  }

  @Override
  public void shutdown() {
    shutdown = true;
    for (IoLoop l : loops) l.close();
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown();
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    if (!shutdown) return false;
    for (IoLoop l : loops) if (l.isOpen()) return false;
    return true;
  }

  /** Stops the loops (the node's end). */
  @Override
  public void close() {
    shutdown();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    for (IoLoop l : loops) l.awaitStop(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    return isTerminated();
  }
}
