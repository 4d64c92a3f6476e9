package dev.passage.table;

/** Where a listener accepts connections: a local address and a port. */
public record BindAddress(String host, int port) implements Comparable<BindAddress> {
  @Override
  public int compareTo(BindAddress o) {
    int c = host.compareTo(o.host);
    return c != 0 ? c : Integer.compare(port, o.port);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
