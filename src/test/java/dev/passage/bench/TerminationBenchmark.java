package dev.passage.bench;

import dev.passage.testkit.Certificates;
import dev.passage.testkit.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A benchmark, not a test: the tutorial's claim that "passthrough typically shows 10-30% better
 * latency and throughput" than termination, measured with hey as the tutorial does. One nginx is
 * the backend, serving the same small page over HTTPS (for passthrough) and plain HTTP (for
 * termination). In one run, interleaved round by round: hey straight to the backend's HTTPS port,
 * through Passage passthrough, through Passage terminating (TLSRoute Terminate, plaintext to the
 * backend), and through HAProxy terminating the same way, for reference; then HTTP: through an
 * HTTPS listener of Passage serving an HTTPRoute (TLS terminated, each request routed and sent over
 * Passage's pooled HTTP/1.1 client) and through nginx's http proxy terminating the same TLS to the
 * same backend (upstream keep-alive); each with keep-alive and with a new connection (a full
 * handshake) per request. Needs root (it adds host names to
 * /etc/hosts for the SNI, and removes them), nginx, haproxy and hey on the PATH, and the jar.
 * <pre>
 *   mvn -q package -DskipTests
 *   mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.bench.TerminationBenchmark -Dexec.classpathScope=test \
 *       -Dexec.args="10 3"
 * </pre>
 * Arguments: seconds per measurement (default 10) and rounds (default 3).
 */
public final class TerminationBenchmark {
  private static final String MARK = "# passage TerminationBenchmark";
  private static final Path HOSTS = Path.of("/etc/hosts");

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path jar = Path.of("target/passage.jar");
    if (!Files.exists(jar)) throw new IllegalStateException("build the jar first: mvn -q package -DskipTests");
    Path dir = Files.createTempDirectory("passage-termination");
    int httpsPort = Fixtures.freePort(), httpPort = Fixtures.freePort(), passagePort = Fixtures.freePort(),
        haproxyPort = Fixtures.freePort(), nginxProxyPort = Fixtures.freePort();
    Certificates.Pem backendCert = Certificates.selfSignedPem("pass.bench.test");
    Certificates.Pem listenerCert = Certificates.selfSignedPem("term.bench.test");
    Certificates.Pem haproxyCert = Certificates.selfSignedPem("haproxy.bench.test");
    Certificates.Pem httpCert = Certificates.selfSignedPem("http.bench.test");
    Certificates.Pem nginxCert = Certificates.selfSignedPem("nginx.bench.test");
    Files.writeString(dir.resolve("nginx-proxy.crt"), nginxCert.crt());
    Files.writeString(dir.resolve("nginx-proxy.key"), nginxCert.key());
    Files.writeString(dir.resolve("backend.crt"), backendCert.crt());
    Files.writeString(dir.resolve("backend.key"), backendCert.key());
    Files.writeString(dir.resolve("haproxy.pem"), haproxyCert.crt() + haproxyCert.key());
    Files.createDirectories(dir.resolve("www"));
    Files.writeString(dir.resolve("www/index.html"), "hello from the backend\n");
    // nginx's workers run as another user: they must be able to read the page
    for (Path p : List.of(dir, dir.resolve("www"))) Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(dir.resolve("www/index.html"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(dir.resolve("nginx.conf"), """
        worker_processes 1;
        pid %1$s/nginx.pid;
        error_log %1$s/nginx-error.log;
        events { worker_connections 4096; }
        http {
          access_log off;
          server { listen 127.0.0.1:%2$d ssl; ssl_certificate %1$s/backend.crt; ssl_certificate_key %1$s/backend.key;
                   ssl_protocols TLSv1.2 TLSv1.3; root %1$s/www; }
          server { listen 127.0.0.1:%3$d; root %1$s/www; }
          upstream plain { server 127.0.0.1:%3$d; keepalive 64; }
          server { listen 127.0.0.1:%4$d ssl; ssl_certificate %1$s/nginx-proxy.crt; ssl_certificate_key %1$s/nginx-proxy.key;
                   ssl_protocols TLSv1.2 TLSv1.3;
                   location / { proxy_pass http://plain; proxy_http_version 1.1; proxy_set_header Connection "";
                                proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } }
        }
        """.formatted(dir, httpsPort, httpPort, nginxProxyPort));
    Files.writeString(dir.resolve("haproxy.cfg"), """
        global
          maxconn 8000
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
        """.formatted(haproxyPort, dir, httpPort));
    Path folder = Files.createDirectories(dir.resolve("passage"));
    Files.writeString(folder.resolve("secret.yaml"), listenerCert.secret("default", "term-cert"));
    Files.writeString(folder.resolve("http-secret.yaml"), httpCert.secret("default", "http-cert"));
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
            port: %d
            hostname: pass.bench.test
            tls:
              mode: Passthrough
          - name: term
            protocol: TLS
            port: %d
            hostname: term.bench.test
            tls:
              mode: Terminate
              certificateRefs:
              - name: term-cert
          - name: http
            protocol: HTTPS
            port: %d
            hostname: http.bench.test
            tls:
              mode: Terminate
              certificateRefs:
              - name: http-cert
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
        """.formatted(passagePort, passagePort, passagePort),
        Fixtures.service("default", "https-backend", httpsPort), Fixtures.service("default", "http-backend", httpPort),
        Fixtures.route("pass", "bench", List.of("pass.bench.test"), List.of(new Fixtures.Backend("https-backend"))),
        Fixtures.route("term", "bench", List.of("term.bench.test"), List.of(new Fixtures.Backend("http-backend")))));

    String hostsBefore = Files.readString(HOSTS);
    List<Process> started = new ArrayList<>();
    try {
      Files.writeString(HOSTS, hostsBefore + "\n" + MARK + "\n127.0.0.1 pass.bench.test term.bench.test haproxy.bench.test http.bench.test nginx.bench.test "
          + MARK + "\n");
      started.add(new ProcessBuilder("nginx", "-c", dir.resolve("nginx.conf").toString(), "-g", "daemon off;")
          .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start());
      started.add(new ProcessBuilder("haproxy", "-db", "-f", dir.resolve("haproxy.cfg").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.out").toFile()).start());
      List<String> jvm = new ArrayList<>(Processes.jvmOptions());
      jvm.add("-Dpekko.management.http.port=" + Fixtures.freePort());
      jvm.add("-Dpekko.loglevel=WARNING");
      Process passage = Processes.java(jvm, jar.toString(), null, "--resources", folder.toString());
      started.add(passage);
      for (int p : new int[] {httpsPort, httpPort, haproxyPort, nginxProxyPort, passagePort}) Processes.awaitListening(p, started.get(started.size() - 1));

      Map<String, String> targets = new LinkedHashMap<>();
      targets.put("direct (backend's TLS)", "https://pass.bench.test:" + httpsPort + "/index.html");
      targets.put("Passage passthrough", "https://pass.bench.test:" + passagePort + "/index.html");
      targets.put("Passage terminating", "https://term.bench.test:" + passagePort + "/index.html");
      targets.put("HAProxy terminating", "https://haproxy.bench.test:" + haproxyPort + "/index.html");
      targets.put("Passage HTTPRoute", "https://http.bench.test:" + passagePort + "/index.html");
      targets.put("nginx http proxy", "https://nginx.bench.test:" + nginxProxyPort + "/index.html");
      targets.forEach((name, url) -> System.out.println(name + ": " + url));
      for (String mode : List.of("keep-alive", "new connection per request")) {
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        hey(targets.values().iterator().next(), 3, mode, 50); // warm-up, all targets share the backend
        for (String url : targets.values()) hey(url, 3, mode, 50);
        for (int r = 0; r < rounds; r++) {
          for (Map.Entry<String, String> t : targets.entrySet()) {
            results.computeIfAbsent(t.getKey(), k -> new ArrayList<>()).add(hey(t.getValue(), seconds, mode, 50));
          }
        }
        System.out.printf("%n%s, hey -c 50, %d s x %d rounds, medians (ratios: median of per-round ratios)%n", mode, seconds, rounds);
        System.out.printf("%-24s %10s %9s %9s %10s %12s %12s%n", "target", "req/s", "p50 ms", "p99 ms", "errors",
            "vs terminate", "vs nginx http");
        List<double[]> term = results.get("Passage terminating");
        List<double[]> nginxHttp = results.get("nginx http proxy");
        for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
          List<double[]> rs = e.getValue();
          double[] ratios = new double[rs.size()];
          double[] toNginx = new double[rs.size()];
          for (int i = 0; i < rs.size(); i++) {
            ratios[i] = rs.get(i)[0] / term.get(i)[0];
            toNginx[i] = rs.get(i)[0] / nginxHttp.get(i)[0];
          }
          System.out.printf("%-24s %10.0f %9.2f %9.2f %10.0f %11.2fx %11.2fx%n", e.getKey(), median(rs, 0), median(rs, 1) * 1000,
              median(rs, 2) * 1000, median(rs, 3), median(ratios), median(toNginx));
        }
      }
    } finally {
      for (Process p : started) p.destroy();
      for (Process p : started) p.waitFor();
      Files.writeString(HOSTS, hostsBefore);
    }
  }

  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern P50 = Pattern.compile("50%% in ([0-9.]+) secs".replace("%%", "%"));
  private static final Pattern P99 = Pattern.compile("99%% in ([0-9.]+) secs".replace("%%", "%"));
  private static final Pattern STATUS_200 = Pattern.compile("\\[200]\\s+(\\d+) responses");
  private static final Pattern ERRORS = Pattern.compile("\\[(\\d+)]\\s+.*");

  /** req/s, p50 s, p99 s, responses that were not 200 plus errors. */
  private static double[] hey(String url, int seconds, String mode, int concurrency) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("hey", "-z", seconds + "s", "-c", String.valueOf(concurrency)));
    if (mode.startsWith("new")) cmd.add("-disable-keepalive");
    // hey 0.1.4 sends "name:port" as the SNI unless -host names the host (sni-bench notes the same)
    cmd.addAll(List.of("-host", java.net.URI.create(url).getHost()));
    cmd.add(url);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    double rps = find(RPS, out), p50 = find(P50, out), p99 = find(P99, out);
    Matcher ok = STATUS_200.matcher(out);
    long good = ok.find() ? Long.parseLong(ok.group(1)) : 0;
    int errorsAt = out.indexOf("Error distribution:");
    long errors = 0;
    if (errorsAt >= 0) {
      Matcher m = ERRORS.matcher(out.substring(errorsAt));
      while (m.find()) errors += Long.parseLong(m.group(1));
    }
    if (good == 0) throw new IOException("hey got no 200 from " + url + " (" + mode + "):\n" + out);
    return new double[] {rps, p50, p99, errors};
  }

  private static double find(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
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
