package dev.passage.proxy.io;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes this node's connections hold in buffers (a write a slow peer has not taken yet, a
 * ClientHello being read), against a budget. While the total is over it, every socket read is
 * cut to {@link #SMALL_READ} bytes, so that a crowd of slow readers or half-sent hellos grows the
 * heap by a few KiB per connection, not by a full read-buffer-size each: the heap a cap of
 * connections can take is then bounded (docs/performance.md, Memory).
 */
public final class BufferBudget {
  /** The most one read takes while the node is over its budget. */
  public static final int SMALL_READ = 4 * 1024;

  private final long budget;
  private final AtomicLong held = new AtomicLong();

  public BufferBudget(long budgetBytes) {
    this.budget = budgetBytes;
  }

  public void hold(long bytes) {
    held.addAndGet(bytes);
  }

  public void release(long bytes) {
    held.addAndGet(-bytes);
  }

  public boolean over() {
    return held.get() > budget;
  }

  public long held() {
    return held.get();
  }

  public long budget() {
    return budget;
  }
}
