package dev.passage.bench;

import dev.passage.testkit.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plain TCP and UDP through Passage (a TCP listener with a TCPRoute, a UDP listener with a
 * UDPRoute), HAProxy (mode tcp; it has no UDP) and nginx (stream, TCP and UDP), and direct to the
 * backend, interleaved in one run, set up as ../shared/bench/sni-bench sets the peers up (Debian's
 * packages, workers auto). The backends are echo servers in this JVM; the clients too, so the
 * figures that compare proxies are the ratios and each proxy's own CPU (its process tree's, from
 * /proc):
 * <ul>
 *   <li>TCP, a new connection per exchange: 32 clients connect, send 64 bytes, read them back,
 *       close; connections a second and CPU per connection;
 *   <li>TCP bulk: 4 connections each writing 64 KiB chunks and reading the echo; GiB a second (echoed)
 *       and CPU per GiB;
 *   <li>UDP: 8 clients each sending a datagram and waiting for its echo (64 and 1,200 bytes); round
 *       trips a second, median round trip, and CPU per round trip (nginx: a session per client
 *       address, kept as Passage keeps a flow).
 * </ul>
 * "Passage, TrafficPolicy" is the same Passage on a second TCP listener whose route and Service
 * carry every TrafficPolicy field a connection meets (a PROXY v2 header, which the echo backend
 * reads past; limits never reached; ejection and health checks watching; drain Close): its ratio
 * to plain "Passage" is what the policy costs.
 * Run: mvn -o -q package -DskipTests, then mvn -o -q test-compile exec:java
 * -Dexec.mainClass=dev.passage.bench.L4Benchmark -Dexec.classpathScope=test -Dexec.args="5 3"
 * (seconds a measurement, rounds). Needs nginx (with its stream module) and haproxy on the PATH.
 */
public final class L4Benchmark {
  private L4Benchmark() {}

  record Target(String name, int tcpPort, int udpPort, long pid) {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path jar = Path.of("target/passage.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("no " + jar + ": mvn -o -q package -DskipTests first");
    Path dir = Files.createTempDirectory("l4-bench");
    List<Process> started = new ArrayList<>();
    try (ServerSocket echo = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
         DatagramSocket udpEcho = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      serveTcpEcho(echo);
      serveUdpEcho(udpEcho);
      int haproxyPort = Fixtures.freePort(), nginxPort = Fixtures.freePort(), nginxUdp = Fixtures.freePort();
      int passageTcp = Fixtures.freePort(), passageUdp = Fixtures.freePort(), passagePolicy = Fixtures.freePort();
      Files.writeString(dir.resolve("haproxy.cfg"), """
          global
            maxconn 9000
            nbthread %d
          defaults
            mode tcp
            timeout connect 2s
            timeout client 120s
            timeout server 120s
          frontend tcp_in
            bind 127.0.0.1:%d
            default_backend echo
          backend echo
            server echo 127.0.0.1:%d
          """.formatted(Runtime.getRuntime().availableProcessors(), haproxyPort, echo.getLocalPort()));
      Files.writeString(dir.resolve("nginx.conf"), """
          load_module /usr/lib/nginx/modules/ngx_stream_module.so;
          worker_processes auto;
          pid %1$s/nginx.pid;
          error_log %1$s/nginx-error.log warn;
          events { worker_connections 16384; multi_accept on; }
          stream {
            server { listen 127.0.0.1:%2$d backlog=4096; proxy_pass 127.0.0.1:%3$d; proxy_timeout 120s; }
            server { listen 127.0.0.1:%4$d udp; proxy_pass 127.0.0.1:%5$d; proxy_timeout 60s; }
          }
          """.formatted(dir, nginxPort, echo.getLocalPort(), nginxUdp, udpEcho.getLocalPort()));
      Path folder = Files.createDirectories(dir.resolve("passage"));
      Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS, """
          apiVersion: gateway.networking.k8s.io/v1
          kind: Gateway
          metadata: {name: l4, namespace: default}
          spec:
            gatewayClassName: passage
            listeners:
            - {name: tcp, protocol: TCP, port: %d}
            - {name: udp, protocol: UDP, port: %d}
            - {name: tcp-policy, protocol: TCP, port: %d}
          ---
          apiVersion: gateway.networking.k8s.io/v1
          kind: TCPRoute
          metadata: {name: tcp-policy, namespace: default}
          spec:
            parentRefs: [{name: l4, sectionName: tcp-policy}]
            rules: [{backendRefs: [{name: echo-pp, port: 7}]}]
          ---
          # every TrafficPolicy field on the path of a connection: a PROXY v2 header (the echo
          # backend drops it), limits never reached, ejection and TCP health checks watching the
          # endpoint, and drain Close (each connection registered to be drained)
          apiVersion: passage.dev/v1alpha1
          kind: TrafficPolicy
          metadata: {name: backend, namespace: default}
          spec:
            targetRefs: [{group: "", kind: Service, name: echo-pp}]
            proxyProtocol: {version: V2, tlvs: [UniqueID]}
            outlierDetection: {consecutiveConnectFailures: 5}
            healthCheck: {interval: 5s}
          ---
          apiVersion: passage.dev/v1alpha1
          kind: TrafficPolicy
          metadata: {name: route, namespace: default}
          spec:
            targetRefs: [{group: gateway.networking.k8s.io, kind: TCPRoute, name: tcp-policy}]
            connections: {maxConcurrent: 100000, maxPerSecond: 1000000}
            drain: {mode: Close}
          ---
          apiVersion: v1
          kind: Service
          metadata: {name: echo-pp, namespace: default}
          spec: {ports: [{name: tcp, protocol: TCP, port: 7}]}
          ---
          apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata: {name: echo-pp-1, namespace: default, labels: {kubernetes.io/service-name: echo-pp}}
          addressType: IPv4
          ports: [{name: tcp, protocol: TCP, port: %d}]
          endpoints: [{addresses: ["127.0.0.1"]}]
          ---
          apiVersion: gateway.networking.k8s.io/v1
          kind: TCPRoute
          metadata: {name: tcp, namespace: default}
          spec:
            parentRefs: [{name: l4, sectionName: tcp}]
            rules: [{backendRefs: [{name: echo, port: 7}]}]
          ---
          apiVersion: gateway.networking.k8s.io/v1
          kind: UDPRoute
          metadata: {name: udp, namespace: default}
          spec:
            parentRefs: [{name: l4, sectionName: udp}]
            rules: [{backendRefs: [{name: echo, port: 7}]}]
          ---
          apiVersion: v1
          kind: Service
          metadata: {name: echo, namespace: default}
          spec: {ports: [{name: tcp, protocol: TCP, port: 7}, {name: udp, protocol: UDP, port: 7}]}
          ---
          apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata: {name: echo-1, namespace: default, labels: {kubernetes.io/service-name: echo}}
          addressType: IPv4
          ports: [{name: tcp, protocol: TCP, port: %d}, {name: udp, protocol: UDP, port: %d}]
          endpoints: [{addresses: ["127.0.0.1"]}]
          """.formatted(passageTcp, passageUdp, passagePolicy, echo.getLocalPort(), echo.getLocalPort(),
          udpEcho.getLocalPort())));
      Process haproxy = new ProcessBuilder("haproxy", "-db", "-f", dir.resolve("haproxy.cfg").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.out").toFile()).start();
      Process nginx = new ProcessBuilder("nginx", "-c", dir.resolve("nginx.conf").toString(), "-g", "daemon off;")
          .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
      List<String> jvm = new ArrayList<>(Processes.jvmOptions());
      jvm.add("-Dpekko.management.http.port=" + Fixtures.freePort());
      String extra = System.getProperty("bench.passage.jvm"); // e.g. a flight recording: -XX:StartFlightRecording=...
      if (extra != null && !extra.isBlank()) jvm.addAll(List.of(extra.trim().split("\\s+")));
      Process passage = Processes.java(jvm, jar.toString(), null, "--resources", folder.toString());
      started.addAll(List.of(haproxy, nginx, passage));
      Processes.awaitListening(haproxyPort, haproxy);
      Processes.awaitListening(nginxPort, nginx);
      Processes.awaitListening(passageTcp, passage);

      List<Target> targets = List.of(
          new Target("direct", echo.getLocalPort(), udpEcho.getLocalPort(), 0),
          new Target("Passage", passageTcp, passageUdp, passage.pid()),
          new Target("Passage, TrafficPolicy", passagePolicy, 0, passage.pid()),
          new Target("HAProxy mode tcp", haproxyPort, 0, haproxy.pid()),
          new Target("nginx stream", nginxPort, nginxUdp, nginx.pid()));
      System.out.printf("%d cores; %d s a measurement, %d rounds, interleaved; Java %s; %s; %s%n",
          Runtime.getRuntime().availableProcessors(), seconds, rounds, System.getProperty("java.version"),
          Processes.run("nginx", "-v").trim(), Processes.run("haproxy", "-v").lines().findFirst().orElse(""));
      for (Target t : targets) { // warm-up: the JIT, the pools
        newConnections(t.tcpPort(), 2);
        bulk(t.tcpPort(), 2);
        if (t.udpPort() > 0) udp(t.udpPort(), 64, 2);
      }
      Map<String, Map<String, List<double[]>>> results = new LinkedHashMap<>();
      for (int r = 0; r < rounds; r++) {
        for (Target t : targets) {
          measure(results, "TCP new connection per exchange", t, () -> newConnections(t.tcpPort(), seconds));
          measure(results, "TCP bulk, 4 connections", t, () -> bulk(t.tcpPort(), seconds));
          if (t.udpPort() > 0) {
            measure(results, "UDP 64 B round trips", t, () -> udp(t.udpPort(), 64, seconds));
            measure(results, "UDP 1200 B round trips", t, () -> udp(t.udpPort(), 1200, seconds));
          }
        }
      }
      print(results);
      System.out.printf("Passage RSS after the run: %.0f MiB%n", Processes.rss(passage.pid()) / 1024);
    } finally {
      for (Process p : started) p.destroy();
      for (Process p : started) p.waitFor();
    }
    System.exit(0);
  }

  interface Load {
    /** {operations (connections, GiB or round trips) a second, a latency in µs or NaN, the operations done}. */
    double[] run() throws Exception;
  }

  private static void measure(Map<String, Map<String, List<double[]>>> results, String test, Target t, Load load)
      throws Exception {
    if (!ONLY.isBlank() && !test.toLowerCase().contains(ONLY.toLowerCase())) return;
    double cpu0 = cpu(t.pid());
    double[] m = load.run();
    double cpu = cpu(t.pid()) - cpu0;
    results.computeIfAbsent(test, k -> new LinkedHashMap<>()).computeIfAbsent(t.name(), k -> new ArrayList<>())
        .add(new double[] {m[0], m[1], t.pid() == 0 ? Double.NaN : cpu / m[2]});
  }

  private static void print(Map<String, Map<String, List<double[]>>> results) {
    results.forEach((test, byTarget) -> {
      boolean bulk = test.contains("bulk");
      boolean udp = test.startsWith("UDP");
      String unit = bulk ? "GiB/s" : udp ? "trips/s" : "conn/s";
      String cpuUnit = bulk ? "CPU s/GiB" : udp ? "CPU us/trip" : "CPU us/conn";
      double scale = bulk ? 1 : 1e6; // per GiB in s; per round trip or connection in us
      System.out.printf("%n%s: medians of the rounds (ratios: median of the rounds' ratios)%n", test);
      System.out.printf("%-18s %10s %10s %12s %10s %11s %11s%n", "target", unit, udp ? "p50 us" : "", cpuUnit,
          "vs direct", "CPU vs HAP", "CPU vs ngx");
      List<double[]> direct = byTarget.get("direct"), haproxy = byTarget.get("HAProxy mode tcp"), nginx = byTarget.get("nginx stream");
      byTarget.forEach((name, rs) -> System.out.printf("%-18s %10s %10s %12s %10s %11s %11s%n", name,
          String.format(bulk ? "%.2f" : "%.0f", median(rs, 0)), udp ? String.format("%.0f", median(rs, 1)) : "",
          Double.isNaN(median(rs, 2)) ? "-" : String.format(bulk ? "%.2f" : "%.1f", median(rs, 2) * scale),
          ratio(rs, direct, 0), ratio(rs, haproxy, 2), ratio(rs, nginx, 2)));
      List<double[]> plain = byTarget.get("Passage"), policy = byTarget.get("Passage, TrafficPolicy");
      if (plain != null && policy != null) {
        System.out.printf("TrafficPolicy (PROXY v2, limits, ejection, checks, drain) against none, same Passage: "
            + "throughput %s, CPU %s%n", ratio(policy, plain, 0), ratio(policy, plain, 2));
      }
    });
  }

  private static String ratio(List<double[]> rs, List<double[]> base, int column) {
    if (base == null || base == rs) return "-";
    double[] r = new double[rs.size()];
    for (int i = 0; i < rs.size(); i++) r[i] = rs.get(i)[column] / base.get(i)[column];
    double m = median(r);
    return Double.isNaN(m) ? "-" : String.format("%.2fx", m);
  }

  private static double median(List<double[]> rs, int column) {
    return median(rs.stream().mapToDouble(r -> r[column]).toArray());
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static double cpu(long pid) throws IOException {
    if (pid == 0) return 0;
    double total = Processes.cpuSeconds(pid);
    for (ProcessHandle child : ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of())) {
      try {
        total += Processes.cpuSeconds(child.pid());
      } catch (IOException gone) {
        // a worker that ended meanwhile
      }
    }
    return total;
  }

  private static final ExecutorService BACKEND = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "echo");
    t.setDaemon(true);
    return t;
  });

  private static void serveTcpEcho(ServerSocket server) {
    BACKEND.execute(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          BACKEND.execute(() -> {
            try (s) {
              InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 65536);
              OutputStream out = s.getOutputStream();
              skipProxyHeader(in);
              byte[] buf = new byte[65536];
              for (int n; (n = in.read(buf)) > 0; ) out.write(buf, 0, n);
            } catch (IOException ignored) {
              // the client went
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  private static final byte[] PROXY_V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

  /** Reads past a PROXY protocol v2 header when the connection starts with one (the policy target's). */
  private static void skipProxyHeader(InputStream in) throws IOException {
    in.mark(16);
    byte[] fixed = in.readNBytes(16);
    if (fixed.length < 16 || !java.util.Arrays.equals(fixed, 0, 12, PROXY_V2, 0, 12)) {
      in.reset();
      return;
    }
    in.skipNBytes(((fixed[14] & 0xff) << 8) | (fixed[15] & 0xff));
  }

  private static void serveUdpEcho(DatagramSocket socket) {
    BACKEND.execute(() -> {
      byte[] buf = new byte[65535];
      while (!socket.isClosed()) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          socket.receive(p);
          socket.send(new DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  private static final boolean LINGER_ZERO = Boolean.getBoolean("bench.reset");
  private static final String ONLY = System.getProperty("bench.tests", "");

  /** 32 clients: connect, 64 bytes there and back, close. */
  private static double[] newConnections(int port, int seconds) throws Exception {
    AtomicLong done = new AtomicLong();
    runFor(32, seconds, () -> {
      byte[] msg = new byte[64];
      try (Socket s = new Socket()) {
        if (LINGER_ZERO) s.setSoLinger(true, 0); // -Dbench.reset=true: end with a reset (no TIME_WAIT), else a FIN
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.getOutputStream().write(msg);
        if (s.getInputStream().readNBytes(64).length == 64) done.incrementAndGet();
      }
    });
    return new double[] {done.get() / (double) seconds, Double.NaN, done.get()};
  }

  /** 4 connections, each writing 64 KiB chunks while reading the echo. */
  private static double[] bulk(int port, int seconds) throws Exception {
    AtomicLong echoed = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Socket s = new Socket("127.0.0.1", port);
      sockets.add(s);
      Thread writer = new Thread(() -> {
        byte[] chunk = new byte[65536];
        try {
          while (running.get()) s.getOutputStream().write(chunk);
          s.shutdownOutput();
        } catch (IOException ignored) {
          // closed at the end
        }
      });
      Thread reader = new Thread(() -> {
        byte[] buf = new byte[65536];
        try {
          for (int n; (n = s.getInputStream().read(buf)) > 0; ) echoed.addAndGet(n);
        } catch (IOException ignored) {
          // closed at the end
        }
      });
      threads.add(writer);
      threads.add(reader);
    }
    long t0 = System.nanoTime();
    threads.forEach(Thread::start);
    Thread.sleep(seconds * 1000L); // a measurement's length, not a wait for a condition
    long bytes = echoed.get();
    double elapsed = (System.nanoTime() - t0) / 1e9;
    running.set(false);
    for (Socket s : sockets) s.close();
    for (Thread t : threads) t.join(5000);
    double gib = bytes / (double) (1L << 30);
    return new double[] {gib / elapsed, Double.NaN, gib};
  }

  /** 8 clients, each a datagram of size and its echo, one after the other. */
  private static double[] udp(int port, int size, int seconds) throws Exception {
    AtomicLong trips = new AtomicLong();
    List<long[]> latencies = new java.util.concurrent.CopyOnWriteArrayList<>();
    runFor(8, seconds, new Task() {
      @Override
      public void once() throws Exception {
        throw new UnsupportedOperationException();
      }

      @Override
      public void loop(AtomicBoolean running) throws Exception {
        long[] sample = new long[200_000];
        int n = 0;
        try (DatagramSocket s = new DatagramSocket()) {
          s.setSoTimeout(1000);
          byte[] out = new byte[size];
          byte[] in = new byte[size + 64];
          InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
          while (running.get()) {
            long t0 = System.nanoTime();
            s.send(new DatagramPacket(out, size, to));
            try {
              s.receive(new DatagramPacket(in, in.length));
            } catch (java.net.SocketTimeoutException lost) {
              continue; // a lost datagram: not a round trip
            }
            if (n < sample.length) sample[n++] = System.nanoTime() - t0;
            trips.incrementAndGet();
          }
        }
        latencies.add(Arrays.copyOf(sample, n));
      }
    });
    long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    double p50 = all.length == 0 ? Double.NaN : all[all.length / 2] / 1000.0;
    return new double[] {trips.get() / (double) seconds, p50, trips.get()};
  }

  interface Task {
    void once() throws Exception;

    default void loop(AtomicBoolean running) throws Exception {
      while (running.get()) {
        try {
          once();
        } catch (IOException e) {
          // a failed exchange is not counted
        }
      }
    }
  }

  private static void runFor(int clients, int seconds, Task task) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Thread t = new Thread(() -> {
        try {
          task.loop(running);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      threads.add(t);
      t.start();
    }
    Thread.sleep(seconds * 1000L); // a measurement's length
    running.set(false);
    for (Thread t : threads) t.join(10_000);
  }
}
