package dev.passage.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces for tests that need a real partition: a bridge in the test's own namespace
 * (address 10.231.S.1/24) and n namespaces, each joined to it by a veth pair (node i at
 * 10.231.S.(10+i)). {@link #cut} drops the traffic between one node and the others (blackhole
 * routes on each side) while the bridge address (the test: API server, backends, clients) still
 * reaches every node; {@link #heal} restores it. Needs root and iproute2.
 */
public final class NetNs implements AutoCloseable {
  private final String prefix;
  private final int subnet;
  private final int n;
  private final List<String[]> cuts = new ArrayList<>();

  private NetNs(String prefix, int subnet, int n) {
    this.prefix = prefix;
    this.subnet = subnet;
    this.n = n;
  }

  /** Creates the bridge and n namespaces; throws with ip's own message when it cannot. */
  public static NetNs create(int n) throws IOException {
    int subnet = 100 + (int) (ProcessHandle.current().pid() % 150);
    NetNs net = new NetNs("psg" + subnet, subnet, n);
    try {
      net.setUp();
    } catch (IOException e) {
      net.close();
      throw e;
    }
    return net;
  }

  private void setUp() throws IOException {
    ip("link", "add", bridge(), "type", "bridge");
    ip("addr", "add", hostAddress() + "/24", "dev", bridge());
    ip("link", "set", bridge(), "up");
    for (int i = 1; i <= n; i++) {
      String ns = namespace(i);
      ip("netns", "add", ns);
      ip("link", "add", prefix + "h" + i, "type", "veth", "peer", "name", prefix + "n" + i);
      ip("link", "set", prefix + "n" + i, "netns", ns);
      ip("link", "set", prefix + "h" + i, "master", bridge());
      ip("link", "set", prefix + "h" + i, "up");
      ip("-n", ns, "link", "set", "lo", "up");
      ip("-n", ns, "addr", "add", address(i) + "/24", "dev", prefix + "n" + i);
      ip("-n", ns, "link", "set", prefix + "n" + i, "up");
    }
  }

  /** The test's own address on the bridge. */
  public String hostAddress() {
    return "10.231." + subnet + ".1";
  }

  public String address(int node) {
    return "10.231." + subnet + "." + (10 + node);
  }

  public String namespace(int node) {
    return prefix + "-" + node;
  }

  private String bridge() {
    return prefix + "br";
  }

  /** The command prefix that runs a program inside node's namespace. */
  public List<String> exec(int node) {
    return List.of("ip", "netns", "exec", namespace(node));
  }

  /** Drops every packet between node and each other node (both directions). */
  public void cut(int node) throws IOException {
    for (int other = 1; other <= n; other++) {
      if (other == node) continue;
      route("add", node, address(other));
      route("add", other, address(node));
    }
  }

  public void heal() throws IOException {
    for (String[] c : new ArrayList<>(cuts)) ip("-n", c[0], "route", "del", "blackhole", c[1] + "/32");
    cuts.clear();
  }

  private void route(String op, int in, String to) throws IOException {
    ip("-n", namespace(in), "route", op, "blackhole", to + "/32");
    cuts.add(new String[] {namespace(in), to});
  }

  @Override
  public void close() {
    for (int i = 1; i <= n; i++) quietly("netns", "del", namespace(i));
    quietly("link", "del", bridge());
  }

  private static void quietly(String... args) {
    try {
      ip(args);
    } catch (IOException ignored) {
      // already gone
    }
  }

  private static void ip(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("ip");
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + ": " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
