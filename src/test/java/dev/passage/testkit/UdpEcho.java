package dev.passage.testkit;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A UDP backend: each datagram is answered with one datagram, "NAME:" and the bytes it received,
 * to the address it came from. It remembers which source addresses it heard (a flow through
 * Passage comes from one socket of Passage's).
 */
public final class UdpEcho implements AutoCloseable {
  public final String name;
  private final DatagramSocket socket;
  public final Set<InetSocketAddress> sources = ConcurrentHashMap.newKeySet();

  public UdpEcho(String name) throws IOException {
    this.name = name;
    socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread t = new Thread(this::serve, "udp-echo-" + name);
    t.setDaemon(true);
    t.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  private void serve() {
    byte[] buf = new byte[65_535];
    byte[] prefix = (name + ":").getBytes(StandardCharsets.ISO_8859_1);
    while (!socket.isClosed()) {
      try {
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        socket.receive(in);
        sources.add((InetSocketAddress) in.getSocketAddress());
        byte[] out = new byte[prefix.length + in.getLength()];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(buf, 0, out, prefix.length, in.getLength());
        socket.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
