package dev.passage.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A plain TCP backend (what a terminated route reaches): answers each line with "plain:" + the
 * line (and after the line "bye", closes the connection), and records the first bytes of each
 * connection, so that a test can show it never saw TLS.
 */
public final class PlainBackend implements AutoCloseable {
  private final ServerSocket server;
  private final List<byte[]> firstBytes = new CopyOnWriteArrayList<>();

  /** A line written to each connection after a delay, before anything is read (null: none), as SMTP servers greet. */
  private final String greeting;
  private final java.time.Duration greetingDelay;

  public PlainBackend() throws IOException {
    this(null, java.time.Duration.ZERO);
  }

  /** A backend that speaks first: greeting (a line), written greetingDelay after the connection is accepted. */
  public PlainBackend(String greeting, java.time.Duration greetingDelay) throws IOException {
    this.greeting = greeting;
    this.greetingDelay = greetingDelay;
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "plain-backend");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  public List<byte[]> firstBytes() {
    return List.copyOf(firstBytes);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> serve(s), "plain-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      if (greeting != null) {
        Thread.sleep(greetingDelay.toMillis()); // a slow server: the client has finished its handshake by then
        out.write((greeting + "\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
      byte[] buf = new byte[4096];
      StringBuilder line = new StringBuilder();
      boolean first = true;
      for (int n; (n = in.read(buf)) > 0; ) {
        if (first) firstBytes.add(Arrays.copyOf(buf, n));
        first = false;
        line.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        for (int nl; (nl = line.indexOf("\n")) >= 0; line.delete(0, nl + 1)) {
          out.write(("plain:" + line.substring(0, nl) + "\n").getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          if (line.substring(0, nl).equals("bye")) return; // the backend ends the connection
        }
      }
    } catch (IOException ignored) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
