package dev.passage.bench;

import dev.passage.testkit.Certificates;
import dev.passage.testkit.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A benchmark, not a test: TLS termination and HTTPS against the peers, in one run, with the
 * peers set up as ../shared/bench/sni-bench sets them up (Debian's nginx and HAProxy, workers
 * auto). One nginx is the backend: a small page over plain HTTP (for every terminating target)
 * and over HTTPS (for passthrough and "direct"). Targets, interleaved round by round:
 * <ul>
 *   <li>direct: the backend's own HTTPS; Passage passthrough (the tutorial's claim);
 *   <li>HAProxy terminating in TCP mode, and Passage's TLSRoute Terminate, to the plain backend;
 *   <li>nginx's http proxy (upstream keep-alive), and Passage's HTTPS listener with an HTTPRoute;
 * </ul>
 * each Passage target twice: BoringSSL (passage.tls.provider = openssl) and the JDK, as two
 * processes. Every certificate is of one kind per run (ECDSA P-256 or RSA 2048). No side resumes
 * a session: the peers are told not to (no tickets, no cache), and so is Passage (system properties:
 * no TLS 1.3 tickets, no session cache in Netty's contexts); hey never offers a session, wrk offers
 * each connection's last one again; Passage's passage_tls_handshakes counter is printed to show what
 * resumed. For each target: requests per
 * second, p50/p99, errors, and the proxy's own CPU (user + system, every thread and child
 * process, from /proc, as sni-bench counts it) per request; ratios are medians of per-round
 * ratios. Needs root (the host names go into /etc/hosts for the SNI, and are removed), nginx,
 * haproxy, wrk and hey on the PATH (apt-get install nginx haproxy wrk hey), and the jar.
 * <pre>
 *   mvn -q package -DskipTests
 *   mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.bench.TerminationBenchmark -Dexec.classpathScope=test \
 *       -Dexec.args="5 3 ec wrk,hey"
 * </pre>
 * Arguments: seconds a measurement (5), rounds (3), certificate kind ec|rsa (ec), tools (wrk,hey).
 * -Dbench.targets=a,b keeps only the targets whose names contain one of those words;
 * -Dbench.passage.jvm="..." adds JVM options to each Passage ("{provider}" is replaced by its provider);
 * -Dbench.modes=keep-alive (or "a new") measures one mode only; -Dbench.variants="a=-Dx=1|b=-Dx=2" runs
 * Passage processes of other names and JVM options (by default openssl and jdk, by passage.tls.provider;
 * an option java=/path/bin/java runs that process on another Java).
 * -Dbench.resumption=on lets every side resume (the peers' and Passage's defaults: TLS 1.3 tickets):
 * the "a new connection per request" mode then measures resumed handshakes (wrk offers each
 * connection's last session again; hey never does), and Passage's counters say how many resumed.
 */
public final class TerminationBenchmark {
  private static final String MARK = "# passage TerminationBenchmark";
  private static final Path HOSTS = Path.of("/etc/hosts");
  private static final List<String> NAMES = List.of("pass", "term", "http", "reenc", "haproxy", "nginx");

  /** A target: where the load goes, and whose CPU it costs (0: none of ours to count). */
  record Target(String name, String url, long pid) {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    String kind = args.length > 2 ? args[2] : "ec";
    List<String> tools = List.of((args.length > 3 ? args[3] : "wrk,hey").split(","));
    Path jar = Path.of("target/passage.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("build the jar first: mvn -q package -DskipTests");
    for (String program : List.of("nginx", "haproxy", "wrk", "hey")) {
      if (!Processes.onPath(program) && (tools.contains(program) || !List.of("wrk", "hey").contains(program))) {
        throw new IllegalStateException(program + " is not on the PATH (apt-get install nginx haproxy wrk hey)");
      }
    }
    Path dir = Files.createTempDirectory("passage-termination");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    boolean resumption = List.of("on", "true").contains(System.getProperty("bench.resumption", "off"));
    // the peers: no session tickets and no session cache, unless resumption is measured
    String nginxNoResumption = resumption ? "" : "ssl_session_tickets off; ssl_session_cache off;";
    String haproxyNoResumption = resumption ? "" : "  tune.ssl.cachesize 0\n  ssl-default-bind-options no-tls-tickets\n";
    int httpsPort = Fixtures.freePort(), httpPort = Fixtures.freePort(), haproxyPort = Fixtures.freePort(),
        nginxProxyPort = Fixtures.freePort();
    // the Passage processes: a name each, and its JVM options (-Dbench.variants="name=opts|name=opts")
    Map<String, String> variants = new LinkedHashMap<>();
    for (String v : System.getProperty("bench.variants",
        "openssl=-Dpassage.tls.provider=openssl|jdk=-Dpassage.tls.provider=jdk").split("\\|")) {
      variants.put(v.substring(0, v.indexOf('=')).trim(), v.substring(v.indexOf('=') + 1).trim());
    }
    Map<String, Integer> passagePorts = new LinkedHashMap<>();
    for (String name : variants.keySet()) passagePorts.put(name, Fixtures.freePort());
    Map<String, Certificates.Pem> pems = new LinkedHashMap<>();
    for (String name : NAMES) pems.put(name, Certificates.selfSignedPem(name + ".bench.test", kind.equals("ec") ? "EC" : "RSA"));
    for (var e : pems.entrySet()) {
      Files.writeString(dir.resolve(e.getKey() + ".crt"), e.getValue().crt());
      Files.writeString(dir.resolve(e.getKey() + ".key"), e.getValue().key());
    }
    Files.writeString(dir.resolve("haproxy.pem"), pems.get("haproxy").crt() + pems.get("haproxy").key());
    Files.createDirectories(dir.resolve("www"));
    Files.writeString(dir.resolve("www/index.html"), "hello from the backend\n");
    Files.setPosixFilePermissions(dir.resolve("www"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(dir.resolve("www/index.html"), PosixFilePermissions.fromString("rw-r--r--"));
    // the backend: one worker, as in sni-bench's backend; its TLS is the passthrough targets' only
    Files.writeString(dir.resolve("backend.conf"), """
        worker_processes auto;
        pid %1$s/backend.pid;
        error_log %1$s/backend-error.log;
        events { worker_connections 8192; }
        http {
          access_log off;
          server { listen 127.0.0.1:%2$d ssl; ssl_certificate %1$s/pass.crt; ssl_certificate_key %1$s/pass.key;
                   ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets off; ssl_session_cache off; root %1$s/www; }
          server { listen 127.0.0.1:%3$d; root %1$s/www; keepalive_requests 1000000; }
        }
        """.formatted(dir, httpsPort, httpPort));
    // the http proxy peer: an nginx of its own, so that its CPU is counted apart from the backend's
    Files.writeString(dir.resolve("proxy.conf"), """
        worker_processes auto;
        pid %1$s/proxy.pid;
        error_log %1$s/proxy-error.log;
        events { worker_connections 8192; }
        http {
          access_log off;
          upstream plain { server 127.0.0.1:%2$d; keepalive 64; }
          server { listen 127.0.0.1:%3$d ssl; ssl_certificate %1$s/nginx.crt; ssl_certificate_key %1$s/nginx.key;
                   ssl_protocols TLSv1.2 TLSv1.3; %4$s
                   keepalive_requests 1000000;
                   location / { proxy_pass http://plain; proxy_http_version 1.1; proxy_set_header Connection "";
                                proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } }
        }
        """.formatted(dir, httpPort, nginxProxyPort, nginxNoResumption));
    Files.writeString(dir.resolve("haproxy.cfg"), """
        global
          maxconn 8000
        %s\
        defaults
          mode tcp
          timeout connect 5s
          timeout client 60s
          timeout server 60s
        frontend terminate
          bind 127.0.0.1:%d ssl crt %s/haproxy.pem
          default_backend plain
        backend plain
          server b 127.0.0.1:%d
        """.formatted(haproxyNoResumption, haproxyPort, dir, httpPort));

    String hostsBefore = Files.readString(HOSTS);
    List<Process> started = new ArrayList<>();
    try {
      StringBuilder hosts = new StringBuilder(hostsBefore).append('\n').append(MARK).append("\n127.0.0.1");
      for (String name : NAMES) hosts.append(' ').append(name).append(".bench.test");
      Files.writeString(HOSTS, hosts.append(' ').append(MARK).append('\n').toString());
      Process backend = start(dir, "backend", "nginx", "-c", dir.resolve("backend.conf").toString(), "-g", "daemon off;");
      Process proxy = start(dir, "proxy", "nginx", "-c", dir.resolve("proxy.conf").toString(), "-g", "daemon off;");
      Process haproxy = start(dir, "haproxy", "haproxy", "-db", "-f", dir.resolve("haproxy.cfg").toString());
      started.addAll(List.of(backend, proxy, haproxy));
      Map<String, Process> passages = new LinkedHashMap<>();
      Map<String, Integer> managementPorts = new LinkedHashMap<>();
      for (var e : passagePorts.entrySet()) {
        Path folder = Files.createDirectories(dir.resolve("passage-" + e.getKey()));
        writeRoutes(folder, e.getValue(), pems, httpsPort, httpPort);
        List<String> jvm = new ArrayList<>(Processes.jvmOptions());
        managementPorts.put(e.getKey(), Fixtures.freePort());
        jvm.add("-Dpekko.management.http.port=" + managementPorts.get(e.getKey()));
        String launcher = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String option : variants.get(e.getKey()).split("\\s+")) {
          if (option.startsWith("java=")) launcher = option.substring("java=".length()); // another Java, to compare
          else if (!option.isBlank()) jvm.add(option);
        }
        // full handshakes only, as the peers are set up: no TLS 1.3 tickets (the JDK and Netty both read this
        // property), no server-side session cache in Netty's contexts (wrk keeps each connection's session and
        // offers it again); the JDK's own cache may still resume: the handshake counters printed at the end say
        if (!resumption) {
          jvm.add("-Djdk.tls.server.enableSessionTicketExtension=false");
          jvm.add("-Dio.netty.handler.ssl.openssl.sessionCacheServer=false");
        }
        String extra = System.getProperty("bench.passage.jvm"); // e.g. a flight recording: -XX:StartFlightRecording=...
        if (extra != null && !extra.isBlank()) jvm.addAll(List.of(extra.replace("{provider}", e.getKey()).trim().split("\\s+")));
        Process p = Processes.java(launcher, jvm, jar.toString(), null, "--resources", folder.toString());
        started.add(p);
        passages.put(e.getKey(), p);
      }
      for (int port : new int[] {httpsPort, httpPort, haproxyPort, nginxProxyPort}) Processes.awaitListening(port, haproxy);
      for (var e : passages.entrySet()) Processes.awaitListening(passagePorts.get(e.getKey()), e.getValue());

      List<Target> targets = new ArrayList<>();
      targets.add(new Target("direct (backend's TLS)", "https://pass.bench.test:" + httpsPort + "/index.html", 0));
      String first = passagePorts.keySet().iterator().next();
      targets.add(new Target("Passage passthrough", "https://pass.bench.test:" + passagePorts.get(first) + "/index.html",
          passages.get(first).pid()));
      targets.add(new Target("HAProxy terminating", "https://haproxy.bench.test:" + haproxyPort + "/index.html", haproxy.pid()));
      for (String provider : passagePorts.keySet()) {
        targets.add(new Target("Passage Terminate, " + provider, "https://term.bench.test:" + passagePorts.get(provider)
            + "/index.html", passages.get(provider).pid()));
      }
      targets.add(new Target("nginx http proxy", "https://nginx.bench.test:" + nginxProxyPort + "/index.html", proxy.pid()));
      for (String provider : passagePorts.keySet()) {
        targets.add(new Target("Passage HTTPRoute, " + provider, "https://http.bench.test:" + passagePorts.get(provider)
            + "/index.html", passages.get(provider).pid()));
        // the same HTTPRoute path, re-encrypted to the backend's TLS under a BackendTLSPolicy
        targets.add(new Target("Passage HTTPRoute re-encrypted, " + provider, "https://reenc.bench.test:"
            + passagePorts.get(provider) + "/index.html", passages.get(provider).pid()));
      }
      String only = System.getProperty("bench.targets", "");
      if (!only.isBlank()) {
        targets.removeIf(t -> Arrays.stream(only.split(",")).noneMatch(w -> t.name().toLowerCase().contains(w.trim().toLowerCase())));
      }
      System.out.printf("%d cores; %s certificates; %d s a measurement, %d rounds; Java %s for Passage unless a variant says; %s; %s%n",
          Runtime.getRuntime().availableProcessors(), kind.equals("ec") ? "ECDSA P-256" : "RSA 2048", seconds, rounds,
          System.getProperty("java.version"), Processes.run("nginx", "-v").trim(), Processes.run("haproxy", "-v").lines().findFirst().orElse(""));
      targets.forEach(t -> System.out.println("  " + t.name() + ": " + t.url()));

      for (String tool : tools) {
        for (String mode : List.of("keep-alive", resumption ? "a new connection per request, resumed" : "a new connection per request")) {
          if (!System.getProperty("bench.modes", mode).contains(mode.substring(0, 5))) continue;
          for (Target t : targets) load(tool, t.url(), 3, mode); // warm-up (the JIT, the pools)
          Map<String, List<double[]>> results = new LinkedHashMap<>();
          for (int r = 0; r < rounds; r++) {
            for (Target t : targets) {
              double cpu0 = cpu(t.pid());
              double[] m = load(tool, t.url(), seconds, mode);
              double cpu = cpu(t.pid()) - cpu0;
              double requests = m[0] * seconds;
              results.computeIfAbsent(t.name(), k -> new ArrayList<>())
                  .add(new double[] {m[0], m[1], m[2], m[3], t.pid() == 0 ? Double.NaN : cpu * 1e6 / requests});
            }
          }
          print(tool, mode, seconds, rounds, results);
          for (String provider : passages.keySet()) {
            System.out.printf("  Passage (%s) handshakes so far: %s%n", provider, handshakes(managementPorts.get(provider)));
          }
        }
      }
      for (var e : passages.entrySet()) {
        System.out.printf("Passage (%s): handshakes %s; RSS after the run %.0f MiB%n", e.getKey(),
            handshakes(managementPorts.get(e.getKey())), Processes.rss(e.getValue().pid()) / 1024);
      }
    } finally {
      for (Process p : started) p.destroy();
      for (Process p : started) p.waitFor();
      Files.writeString(HOSTS, hostsBefore);
    }
  }

  private static void print(String tool, String mode, int seconds, int rounds, Map<String, List<double[]>> results) {
    System.out.printf("%n%s, %s, -c 50, %d s x %d rounds: medians (ratios: median of the rounds' ratios)%n", tool, mode, seconds, rounds);
    System.out.printf("%-30s %9s %8s %8s %7s %12s %10s %10s %10s%n", "target", "req/s", "p50 ms", "p99 ms", "errors",
        "CPU us/req", "vs HAProxy", "vs nginx", "CPU vs peer");
    List<double[]> haproxy = results.get("HAProxy terminating"), nginx = results.get("nginx http proxy");
    for (var e : results.entrySet()) {
      List<double[]> rs = e.getValue();
      boolean http = e.getKey().contains("HTTPRoute") || e.getKey().contains("nginx");
      List<double[]> peer = http ? nginx : haproxy;
      System.out.printf("%-30s %9.0f %8.2f %8.2f %7.0f %12.0f %10s %10s %10s%n", e.getKey(), median(rs, 0), median(rs, 1),
          median(rs, 2), median(rs, 3), median(rs, 4), ratio(rs, haproxy, 0), ratio(rs, nginx, 0), ratio(rs, peer, 4));
    }
  }

  private static String ratio(List<double[]> rs, List<double[]> base, int column) {
    if (base == null) return "-";
    double[] r = new double[rs.size()];
    for (int i = 0; i < rs.size(); i++) r[i] = rs.get(i)[column] / base.get(i)[column];
    double m = median(r);
    return Double.isNaN(m) ? "-" : String.format("%.2fx", m);
  }

  private static Process start(Path dir, String name, String... command) throws IOException {
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".out").toFile()).start();
  }

  private static void writeRoutes(Path folder, int port, Map<String, Certificates.Pem> pems, int httpsPort, int httpPort) throws IOException {
    Files.writeString(folder.resolve("secrets.yaml"), pems.get("term").secret("default", "term-cert") + "---\n"
        + pems.get("http").secret("default", "http-cert") + "---\n" + pems.get("reenc").secret("default", "reenc-cert")
        // the backend's own (self-signed) certificate is the CA a BackendTLSPolicy trusts for it
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: backend-ca, namespace: default}\ndata:\n  ca.crt: |\n"
        + pems.get("pass").crt().lines().map(l -> "    " + l + "\n").reduce("", String::concat));
    Files.writeString(folder.resolve("all.yaml"), Fixtures.join(Fixtures.GATEWAY_CLASS, """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: bench
          namespace: default
        spec:
          gatewayClassName: passage
          listeners:
          - name: pass
            protocol: TLS
            port: %1$d
            hostname: pass.bench.test
            tls:
              mode: Passthrough
          - name: term
            protocol: TLS
            port: %1$d
            hostname: term.bench.test
            tls:
              mode: Terminate
              certificateRefs:
              - name: term-cert
          - name: http
            protocol: HTTPS
            port: %1$d
            hostname: http.bench.test
            tls:
              mode: Terminate
              certificateRefs:
              - name: http-cert
          - name: reenc
            protocol: HTTPS
            port: %1$d
            hostname: reenc.bench.test
            tls:
              mode: Terminate
              certificateRefs:
              - name: reenc-cert
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: reenc
          namespace: default
        spec:
          parentRefs: [{name: bench, sectionName: reenc}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /}}]
            backendRefs: [{name: https-backend, port: 8443}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata:
          name: https-backend
          namespace: default
        spec:
          targetRefs: [{group: "", kind: Service, name: https-backend}]
          validation:
            caCertificateRefs: [{group: "", kind: ConfigMap, name: backend-ca}]
            hostname: pass.bench.test
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: http
          namespace: default
        spec:
          parentRefs: [{name: bench, sectionName: http}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /}}]
            backendRefs: [{name: http-backend, port: 8443}]
        """.formatted(port),
        Fixtures.service("default", "https-backend", httpsPort), Fixtures.service("default", "http-backend", httpPort),
        Fixtures.route("pass", "bench", List.of("pass.bench.test"), List.of(new Fixtures.Backend("https-backend"))),
        Fixtures.route("term", "bench", List.of("term.bench.test"), List.of(new Fixtures.Backend("http-backend")))));
  }

  /** CPU seconds of a process and its children (nginx's workers), every thread; 0 for none. */
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

  /** req/s, p50 ms, p99 ms, errors. */
  private static double[] load(String tool, String url, int seconds, String mode) throws Exception {
    return tool.equals("wrk") ? wrk(url, seconds, mode) : hey(url, seconds, mode);
  }

  private static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern WRK_PCT = Pattern.compile("\\s(50|99)%\\s+([0-9.]+)(us|ms|s)\\b");
  private static final Pattern WRK_ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern WRK_NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

  private static double[] wrk(String url, int seconds, String mode) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("wrk", "-t1", "-c50", "-d" + seconds + "s", "--latency"));
    if (mode.startsWith("a new")) cmd.addAll(List.of("-H", "Connection: close")); // the server closes: a handshake a request
    cmd.add(url);
    String out = Processes.run(cmd.toArray(new String[0]));
    double rps = find(WRK_RPS, out, 1);
    double p50 = Double.NaN, p99 = Double.NaN;
    Matcher m = WRK_PCT.matcher(out);
    while (m.find()) {
      double v = Double.parseDouble(m.group(2)) * switch (m.group(3)) { case "us" -> 0.001; case "s" -> 1000; default -> 1; };
      if (m.group(1).equals("50")) p50 = v;
      else p99 = v;
    }
    double errors = 0;
    Matcher e = WRK_ERRORS.matcher(out);
    if (e.find()) for (int i = 1; i <= 4; i++) errors += Double.parseDouble(e.group(i));
    Matcher n = WRK_NON2XX.matcher(out);
    if (n.find()) errors += Double.parseDouble(n.group(1));
    // with Connection: close, wrk counts the server's close after each answer as a read error: not a failure
    if (mode.startsWith("a new") && e.find(0)) errors -= Double.parseDouble(e.group(2));
    if (!(rps > 0)) throw new IOException("wrk got nothing from " + url + " (" + mode + "):\n" + out);
    return new double[] {rps, p50, p99, errors};
  }

  private static final Pattern HEY_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern HEY_P50 = Pattern.compile("50% in ([0-9.]+) secs");
  private static final Pattern HEY_P99 = Pattern.compile("99% in ([0-9.]+) secs");
  private static final Pattern HEY_200 = Pattern.compile("\\[200]\\s+(\\d+) responses");
  private static final Pattern HEY_ERRORS = Pattern.compile("\\[(\\d+)]\\s+.*");

  private static double[] hey(String url, int seconds, String mode) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("hey", "-z", seconds + "s", "-c", "50"));
    if (mode.startsWith("a new")) cmd.add("-disable-keepalive");
    // hey 0.1.4 sends "name:port" as the SNI unless -host names the host (sni-bench notes the same)
    cmd.addAll(List.of("-host", java.net.URI.create(url).getHost(), url));
    String out = Processes.run(cmd.toArray(new String[0]));
    Matcher ok = HEY_200.matcher(out);
    long good = ok.find() ? Long.parseLong(ok.group(1)) : 0;
    int errorsAt = out.indexOf("Error distribution:");
    long errors = 0;
    if (errorsAt >= 0) {
      Matcher m = HEY_ERRORS.matcher(out.substring(errorsAt));
      while (m.find()) errors += Long.parseLong(m.group(1));
    }
    if (good == 0) throw new IOException("hey got no 200 from " + url + " (" + mode + "):\n" + out);
    return new double[] {find(HEY_RPS, out, 1), find(HEY_P50, out, 1) * 1000, find(HEY_P99, out, 1) * 1000, errors};
  }

  private static double find(Pattern p, String text, int group) {
    Matcher m = p.matcher(text);
    return m.find() ? Double.parseDouble(m.group(group)) : Double.NaN;
  }

  private static final Pattern HANDSHAKES = Pattern.compile("passage_tls_handshakes_total\\{resumed=\"(true|false)\"} ([0-9.eE+]+)");

  /** passage_tls_handshakes_total by resumed, from a Passage process's /metrics. */
  private static String handshakes(int managementPort) throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    String body = client.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + managementPort + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = HANDSHAKES.matcher(body);
    StringBuilder out = new StringBuilder();
    while (m.find()) out.append(m.group(1).equals("true") ? "resumed " : "full ").append(String.format("%.0f ", Double.parseDouble(m.group(2))));
    return out.toString().trim();
  }

  private static double median(List<double[]> rows, int column) {
    return median(rows.stream().mapToDouble(r -> r[column]).toArray());
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
