package dev.passage.proxy.io;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One UDP listener's relay, on one I/O loop (everything here runs on its thread: no locks).
 * Datagrams from one client address and port form a flow; the flow's first datagram asks the
 * {@link Router} where the flow goes (an endpoint, chosen by weight, or nowhere: its datagrams are
 * dropped for the flow's life, as a refused TCP connection's share is closed), and the flow keeps
 * it until it has been idle for the idle timeout. Each flow has a connected socket of its own
 * towards its endpoint, so replies come back to it and go to the client from the listener's
 * address. A datagram is read and sent whole (never merged, never split); one that finds no room
 * in a socket's send buffer is dropped, as UDP drops. At most maxFlows flows: a new client evicts
 * the least recently active one.
 */
public final class UdpRelay implements AutoCloseable {
  /** The largest UDP payload. */
  private static final int MAX_DATAGRAM = 65_535;
  /** Datagrams read per readiness before other channels get their turn. */
  private static final int READS_PER_TURN = 64;

  /**
   * Where a new flow goes: an endpoint, or null (its datagrams are dropped, for reason); tag is the
   * router's own (what its events need of the flow: its route's series).
   */
  public record Choice(InetSocketAddress endpoint, String route, String reason, Object tag) {
    public Choice(InetSocketAddress endpoint, String route, String reason) {
      this(endpoint, route, reason, null);
    }
  }

  public interface Router {
    /** Called on the loop's thread for a new client; must not block. */
    Choice route(InetSocketAddress client);
  }

  /** What the relay counts (called on the loop's thread). */
  public interface Events {
    void flowOpened(Choice choice);

    /** A flow ended: idle, evicted, its endpoint gone, or the listener closed; with what it relayed. */
    void flowClosed(InetSocketAddress client, Choice choice, boolean evicted, long bytesToBackend, long bytesToClient,
                    long nanos);

    void datagram(boolean toBackend, int bytes);

    void dropped(String reason);
  }

  private final class Flow {
    final InetSocketAddress client;
    final Choice choice;
    DatagramChannel backend; // null for a flow whose datagrams are dropped
    Registration registration;
    final long started = System.nanoTime();
    long lastActive = started;
    long bytesToBackend;
    long bytesToClient;

    Flow(InetSocketAddress client, Choice choice) {
      this.client = client;
      this.choice = choice;
    }

    void close(boolean evicted) {
      if (registration != null) registration.close(false);
      else if (backend != null) closeQuietly(backend);
      events.flowClosed(client, choice, evicted, bytesToBackend, bytesToClient, System.nanoTime() - started);
    }
  }

  private final DatagramChannel listener;
  private final Router router;
  private final Events events;
  private final long idleNanos;
  private final int maxFlows;
  private final IoLoop loop;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
  /** By client; access order, so the first entry is the least recently active. */
  private final LinkedHashMap<InetSocketAddress, Flow> flows = new LinkedHashMap<>(16, 0.75f, true);
  private Registration registration;
  private volatile boolean closed;

  private UdpRelay(DatagramChannel listener, IoLoop loop, Router router, Events events, Duration idle, int maxFlows) {
    this.listener = listener;
    this.loop = loop;
    this.router = router;
    this.events = events;
    this.idleNanos = idle.toNanos();
    this.maxFlows = maxFlows;
  }

  /** Binds now (a port in use fails here, with the cause), then relays on one of the dispatcher's loops. */
  public static UdpRelay bind(Executor dispatcher, String host, int port, Router router, Events events, Duration idle,
                              int maxFlows) throws IOException {
    DatagramChannel channel = DatagramChannel.open();
    try {
      channel.bind(new InetSocketAddress(host, port));
      channel.configureBlocking(false);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    AtomicReference<UdpRelay> made = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    dispatcher.execute(() -> {
      UdpRelay relay = new UdpRelay(channel, IoLoop.current(), router, events, idle, maxFlows);
      relay.registration = relay.loop.register(channel, ops -> relay.readClients());
      relay.registration.interest(SelectionKey.OP_READ);
      relay.scheduleSweep();
      made.set(relay);
      started.countDown();
    });
    try {
      if (!started.await(10, TimeUnit.SECONDS)) throw new IOException("no I/O loop took the UDP listener on " + host + ":" + port);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the UDP listener", e);
    }
    return made.get();
  }

  public InetSocketAddress localAddress() {
    try {
      return (InetSocketAddress) listener.getLocalAddress();
    } catch (IOException e) {
      return null;
    }
  }

  /** How many flows are open (read on the loop's thread; approximate elsewhere). */
  public int flows() {
    return flows.size();
  }

  private void readClients() {
    try {
      for (int i = 0; i < READS_PER_TURN && !closed; i++) {
        buffer.clear();
        SocketAddress from = listener.receive(buffer);
        if (from == null) break;
        buffer.flip();
        fromClient((InetSocketAddress) from);
      }
    } catch (IOException e) {
      // a receive error on an unconnected socket is transient (an ICMP message): read on
    }
    if (!closed) registration.interest(SelectionKey.OP_READ);
  }

  private void fromClient(InetSocketAddress client) {
    Flow flow = flows.get(client);
    if (flow == null) flow = open(client);
    flow.lastActive = System.nanoTime();
    if (flow.backend == null) {
      events.dropped(flow.choice.reason());
      return;
    }
    int bytes = buffer.remaining();
    try {
      if (flow.backend.write(buffer) == 0) {
        events.dropped("the backend socket's send buffer is full");
        return;
      }
      flow.bytesToBackend += bytes;
      events.datagram(true, bytes);
    } catch (IOException e) {
      // the endpoint said it is not there (ICMP port unreachable): the next datagram chooses again
      flows.remove(client);
      flow.close(false);
      events.dropped("endpoint " + flow.choice.endpoint() + ": " + e);
    }
  }

  private Flow open(InetSocketAddress client) {
    if (flows.size() >= maxFlows) {
      Iterator<Flow> oldest = flows.values().iterator();
      Flow evicted = oldest.next();
      oldest.remove();
      evicted.close(true);
    }
    Choice choice = router.route(client);
    Flow flow = choice.endpoint() == null ? new Flow(client, choice) : connected(client, choice);
    flows.put(client, flow);
    events.flowOpened(flow.choice);
    return flow;
  }

  /** A flow with its own socket connected to the endpoint; one whose socket cannot be made drops its datagrams. */
  private Flow connected(InetSocketAddress client, Choice choice) {
    Flow flow = new Flow(client, choice);
    DatagramChannel backend = null;
    try {
      backend = DatagramChannel.open();
      backend.configureBlocking(false);
      backend.connect(choice.endpoint());
      flow.backend = backend;
      flow.registration = loop.register(backend, ops -> readBackend(flow));
      flow.registration.interest(SelectionKey.OP_READ);
      return flow;
    } catch (IOException e) {
      if (backend != null) closeQuietly(backend);
      return new Flow(client, new Choice(null, choice.route(), "cannot open a socket to " + choice.endpoint() + ": " + e,
          choice.tag()));
    }
  }

  private void readBackend(Flow flow) {
    try {
      for (int i = 0; i < READS_PER_TURN && !closed; i++) {
        buffer.clear();
        int n = flow.backend.read(buffer);
        if (n <= 0) break;
        buffer.flip();
        flow.lastActive = System.nanoTime();
        if (listener.send(buffer, flow.client) == 0) events.dropped("the listener's send buffer is full");
        else {
          flow.bytesToClient += n;
          events.datagram(false, n);
        }
      }
    } catch (IOException e) {
      // ICMP port unreachable for an earlier datagram: the flow ends, the next datagram chooses again
      if (flows.remove(flow.client, flow)) flow.close(false);
      return;
    }
    if (!closed && flows.get(flow.client) == flow) flow.registration.interest(SelectionKey.OP_READ);
  }

  /** Ends the flows idle for the idle timeout, about four times in each timeout (at least once a second). */
  private void scheduleSweep() {
    long every = Math.max(50, Math.min(1000, idleNanos / 4_000_000));
    CompletableFuture.delayedExecutor(every, TimeUnit.MILLISECONDS, loop).execute(() -> {
      if (closed) return;
      long now = System.nanoTime();
      List<InetSocketAddress> idle = new ArrayList<>();
      // access order: the least recently active first, so the idle ones are a prefix... mostly (a
      // reply from a backend does not reorder): look at them all, it is one pass
      for (Map.Entry<InetSocketAddress, Flow> e : flows.entrySet()) {
        if (now - e.getValue().lastActive >= idleNanos) idle.add(e.getKey());
      }
      for (InetSocketAddress client : idle) flows.remove(client).close(false);
      scheduleSweep();
    });
  }

  /** Stops receiving and ends every flow (from any thread). */
  @Override
  public void close() {
    closed = true;
    loop.execute(() -> {
      registration.close(false);
      for (Flow f : flows.values()) f.close(false);
      flows.clear();
    });
  }

  private static void closeQuietly(DatagramChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
