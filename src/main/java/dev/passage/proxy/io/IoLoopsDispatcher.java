package dev.passage.proxy.io;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Dispatcher;
import org.apache.pekko.dispatch.Dispatchers;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.apache.pekko.dispatch.MessageDispatcherConfigurator;
import scala.concurrent.duration.FiniteDuration;

/**
 * The Pekko dispatcher that runs on a node's {@link IoLoops}. The node owns the loops (they hold
 * its listening sockets, so they must outlive Pekko's habit of shutting down an idle dispatcher's
 * executor); the dispatcher only borrows them.
 */
public final class IoLoopsDispatcher extends MessageDispatcherConfigurator {
  private final Dispatcher instance;

  private IoLoopsDispatcher(Config config, Dispatchers dispatchers, IoLoops loops) {
    super(config, dispatchers.prerequisites());
    this.instance = new Dispatcher(this, config.getString("id"), config.getInt("throughput"),
        FiniteDuration.Zero(), (id, threadFactory) -> () -> new Borrowed(loops),
        FiniteDuration.apply(config.getDuration("shutdown-timeout").toMillis(), TimeUnit.MILLISECONDS));
  }

  /** Registers the dispatcher id (configured under that path: throughput) on these loops. */
  public static void register(ActorSystem system, String id, IoLoops loops) {
    Dispatchers dispatchers = system.dispatchers();
    Config config = ConfigFactory.parseString("id = \"" + id + "\"")
        .withFallback(system.settings().config().getConfig(id))
        .withFallback(dispatchers.defaultDispatcherConfig());
    if (!dispatchers.registerConfigurator(id, new IoLoopsDispatcher(config, dispatchers, loops))) {
      throw new IllegalStateException("dispatcher " + id + " was in use before its I/O loops were registered");
    }
  }

  @Override
  public MessageDispatcher dispatcher() {
    return instance;
  }

  /** The loops as the dispatcher's executor: shutting it down leaves the loops running. */
  private static final class Borrowed extends AbstractExecutorService {
    private final IoLoops loops;
    private volatile boolean shutdown;

    Borrowed(IoLoops loops) {
      this.loops = loops;
    }

    @Override
    public void execute(Runnable task) {
      loops.execute(task);
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return shutdown;
    }
  }
}
