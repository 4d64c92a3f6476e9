package dev.passage.table;

/**
 * Where a listener accepts connections or datagrams: a local address, a port, and whether it is a
 * UDP port (a UDP listener's: the same number may be a TCP port of other listeners).
 */
public record BindAddress(String host, int port, boolean udp) implements Comparable<BindAddress> {
  /** A TCP address. */
  public BindAddress(String host, int port) {
    this(host, port, false);
  }

  @Override
  public int compareTo(BindAddress o) {
    int c = host.compareTo(o.host);
    if (c != 0) return c;
    c = Integer.compare(port, o.port);
    return c != 0 ? c : Boolean.compare(udp, o.udp);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port + (udp ? "/udp" : "");
  }
}
