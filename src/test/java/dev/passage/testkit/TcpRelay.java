package dev.passage.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 in front of a target port. stop() makes the target unreachable: new
 * connections are refused and every connection through the relay is closed on the client's side.
 * start() opens the same port again. (The server's side of a cut connection is kept open and
 * drained until close(): fabric8's mock server stalls for a minute when a watch connection dies
 * under it, which a real API server does not.)
 */
public final class TcpRelay implements AutoCloseable {
  private volatile int targetPort;
  private final int port;
  private final List<Pair> pairs = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;

  private static final class Pair {
    final Socket client;
    final Socket upstream;
    volatile boolean cut;

    Pair(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }
  }

  public TcpRelay(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.port = Fixtures.freePort();
    start();
  }

  public int port() {
    return port;
  }

  /** New connections go to this port from now on (a server that came back elsewhere). */
  public void retarget(int newTargetPort) {
    this.targetPort = newTargetPort;
  }

  public synchronized void start() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    server = s;
    Thread acceptor = new Thread(() -> accept(s), "relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket client = s.accept();
        Pair pair = new Pair(client, new Socket(InetAddress.getLoopbackAddress(), targetPort));
        pairs.add(pair);
        thread(() -> toUpstream(pair));
        thread(() -> toClient(pair));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void thread(Runnable r) {
    Thread t = new Thread(r, "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private void toUpstream(Pair p) {
    try {
      // (not try-with-resources: closing a socket's stream closes the socket)
      InputStream in = p.client.getInputStream();
      OutputStream out = p.upstream.getOutputStream();
      in.transferTo(out);
    } catch (IOException ignored) {
      // a side closed, or the relay cut the client
    }
    if (!p.cut) closeBoth(p);
  }

  private void toClient(Pair p) {
    byte[] buf = new byte[8192];
    try {
      InputStream in = p.upstream.getInputStream();
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        if (p.cut) continue; // drained, not delivered
        try {
          p.client.getOutputStream().write(buf, 0, n);
        } catch (IOException e) {
          if (!p.cut) throw e;
        }
      }
    } catch (IOException ignored) {
      // the server closed
    }
    closeBoth(p);
  }

  /** Refuses new connections and closes the client's side of every connection. */
  public synchronized void stop() {
    close(server);
    for (Pair p : pairs) {
      p.cut = true;
      close(p.client);
    }
  }

  private void closeBoth(Pair p) {
    close(p.client);
    close(p.upstream);
    pairs.remove(p);
  }

  private static void close(AutoCloseable c) {
    try {
      if (c != null) c.close();
    } catch (Exception ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    close(server);
    for (Pair p : pairs) closeBoth(p);
  }
}
