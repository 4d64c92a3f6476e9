package dev.passage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the command line answers when it is given something wrong: one clear line and exit status 2. */
class CommandLineTest {
  static String[] run(String... args) throws Exception {
    return run(List.of(), Map.of(), args);
  }

  /** Runs Passage with these JVM options and environment; answers its exit code and what it printed. */
  static String[] run(List<String> jvmOptions, Map<String, String> env, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Passage.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process p = builder.start();
    java.util.concurrent.CompletableFuture<String> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      } catch (java.io.IOException e) {
        return e.toString();
      }
    });
    if (!p.waitFor(60, TimeUnit.SECONDS)) { // a process that never gives up is an answer too
      p.destroyForcibly().waitFor();
      return new String[] {"still running after 60 s", out.get(10, TimeUnit.SECONDS)};
    }
    return new String[] {String.valueOf(p.exitValue()), out.get(10, TimeUnit.SECONDS)};
  }

  /** The lines a user would read as a problem: anything but Pekko's and Passage's INFO start-up and shut-down lines. */
  static List<String> problems(String out) {
    return out.lines().filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .*")).toList();
  }

  /**
   * The --config file is layered under system properties and over the defaults before anything is
   * resolved: moving Pekko's rotating-keys-engine secret-mount-point moves its three file paths
   * (they are substitutions of it in Pekko's reference.conf), while a system property still wins.
   */
  @Test
  void theConfigFileIsLayeredBeforeTheDefaultsAreResolved(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("passage.conf");
    java.nio.file.Files.writeString(file, """
        pekko.remote.artery.ssl.rotating-keys-engine.secret-mount-point = "/etc/passage/remoting"
        passage.proxy.backlog = 123
        """);
    com.typesafe.config.Config c = Passage.settings(file);
    String engine = "pekko.remote.artery.ssl.rotating-keys-engine.";
    assertEquals("/etc/passage/remoting/tls.key", c.getString(engine + "key-file"));
    assertEquals("/etc/passage/remoting/tls.crt", c.getString(engine + "cert-file"));
    assertEquals("/etc/passage/remoting/ca.crt", c.getString(engine + "ca-cert-file"));
    assertEquals(123, c.getInt("passage.proxy.backlog"));
    // without the file, Pekko's defaults as before
    assertEquals("/var/run/secrets/pekko-tls/rotating-keys-engine/tls.key", Passage.settings(null).getString(engine + "key-file"));
    System.setProperty("passage.proxy.backlog", "77");
    try {
      com.typesafe.config.ConfigFactory.invalidateCaches();
      assertEquals(77, Passage.settings(file).getInt("passage.proxy.backlog"), "a system property over the file");
    } finally {
      System.clearProperty("passage.proxy.backlog");
      com.typesafe.config.ConfigFactory.invalidateCaches();
    }
  }

  @Test
  void aTakenManagementPortIsOneLineAndExitCode3() throws Exception {
    try (java.net.ServerSocket squatter = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      long started = System.nanoTime();
      String[] r = run(List.of("-Dpekko.management.http.port=" + squatter.getLocalPort()), Map.of(),
          "--resources", emptyFolder().toString());
      assertEquals("3", r[0], r[1]);
      assertEquals(List.of("cannot listen for management on 127.0.0.1:" + squatter.getLocalPort()
          + ": Address already in use (pekko.management.http.port)"), problems(r[1]), r[1]);
      assertTrue(r[1].endsWith("(pekko.management.http.port)"), "the reason is the last line:\n" + r[1]);
      assertFalse(r[1].contains("ListenerManager") || r[1].contains("DirectorySource"), "nothing else was started:\n" + r[1]);
      assertTrue(System.nanoTime() - started < 45_000_000_000L, "exits soon");
    }
  }

  @Test
  void kubernetesModeWithoutAKubeconfigOrServiceAccountSaysSoAtOnce() throws Exception {
    Path home = emptyFolder();
    String[] r = run(List.of("-Duser.home=" + home), Map.of("HOME", home.toString(), "KUBECONFIG", ""));
    assertEquals("4", r[0], r[1]);
    assertEquals("no Kubernetes API server to watch: no kubeconfig (KUBECONFIG or " + home + "/.kube/config) and no "
        + "in-cluster service account; to serve a folder of YAML instead, give --resources DIR", r[1]);
  }

  @Test
  void anApiServerThatDoesNotAnswerIsOneLineAfterTheTimeout() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort(); // nothing listens there once this closes
    }
    Path kubeconfig = java.nio.file.Files.createTempFile("kubeconfig", ".yaml");
    java.nio.file.Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        current-context: x
        """.formatted(closed));
    long started = System.nanoTime();
    String[] r = run(List.of("-Dpassage.kubernetes.api-server-timeout=4s"), Map.of("KUBECONFIG", kubeconfig.toString()));
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    assertEquals("4", r[0], r[1]);
    assertEquals(List.of("cannot reach the Kubernetes API server at https://127.0.0.1:" + closed + "/ within 4 s "
        + "(passage.kubernetes.api-server-timeout): Connection refused"), problems(r[1]), r[1]);
    assertTrue(seconds >= 4 && seconds < 30, "bounded: " + seconds + " s");
  }

  @Test
  void aConfigFileThatDoesNotExistIsAnErrorNotTheDefaults() throws Exception {
    String[] r = run("--resources", "config/resources", "--config", "/no/such/passage.conf");
    assertEquals("2", r[0], r[1]);
    assertEquals("config file not found: /no/such/passage.conf", r[1]);
  }

  @Test
  void aBadSettingIsOneLineBeforeAnythingStarts() throws Exception {
    String[] r = run(List.of("-Dpassage.cluster.join=sideways"), Map.of(), "--resources", "config/resources");
    assertEquals("2", r[0], r[1]);
    assertEquals("bad setting: passage.cluster.join must be self, seed-nodes or bootstrap, not sideways", r[1]);
    String[] metrics = run(List.of("-Dpassage.metrics.max-route-series=-1"), Map.of(), "--resources", "config/resources");
    assertEquals("2", metrics[0], metrics[1]);
    assertEquals("bad setting: passage.metrics.max-route-series must be 0 (off) or more, not -1", metrics[1]);
    String[] tls = run(List.of("-Dpassage.tls.provider=boringssl"), Map.of(), "--resources", "config/resources");
    assertEquals("2", tls[0], tls[1]);
    assertEquals("bad setting: passage.tls.provider must be auto, openssl or jdk, not \"boringssl\"", tls[1]);
    String tickets = run(List.of(), Map.of("PASSAGE_TLS_SESSION_TICKETS_SECRET", "ticket-keys"), "--resources", "config/resources")[1];
    assertEquals("bad setting: passage.tls.session-tickets.secret must be namespace/name (a Secret's), or \"\" for none, "
        + "not \"ticket-keys\"", tickets);
  }

  @Test
  void aResourcesFolderThatDoesNotExistIsAnError() throws Exception {
    String[] r = run("--resources", "/no/such/folder");
    assertEquals("2", r[0], r[1]);
    assertEquals("resources folder not found: /no/such/folder", r[1]);
  }

  /** Starts Passage on an empty folder and answers what it printed until it was up. */
  static String untilUp(Map<String, String> env) throws Exception {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dpekko.management.http.port=0", "-Dpassage.standalone.bind-address=127.0.0.1",
        "-cp", System.getProperty("java.class.path"), Passage.class.getName(), "--resources", emptyFolder().toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process p = builder.start();
    StringBuilder seen = new StringBuilder();
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      for (String line; System.nanoTime() < deadline && (line = lines.readLine()) != null; ) {
        seen.append(line).append('\n');
        if (line.contains("Passage is up")) break;
      }
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    String out = seen.toString();
    assertTrue(out.contains("Passage is up"), "the premise: it started\n" + out);
    return out;
  }

  @Test
  void startingUpPrintsNoLoggingWarnings() throws Exception {
    String out = untilUp(Map.of());
    assertFalse(out.contains("SLF4J(W)"), out);
    // a cluster of one says nothing of seeds or bootstrap, and checks no module it does not run
    assertFalse(out.contains("No seed nodes found"), out);
    assertFalse(out.contains("ClusterBootstrap"), out);
    assertFalse(out.contains("sharding"), out);
    assertFalse(out.contains("not ok"), out);
    assertEquals(List.of(), problems(out), "nothing but INFO lines");
  }

  @Test
  void logsAreJsonLinesWhenAskedFor() throws Exception {
    String out = untilUp(Map.of("PASSAGE_LOG_FORMAT", "json"));
    List<String> lines = out.lines().toList();
    assertTrue(lines.size() > 3, out);
    for (String line : lines) {
      tools.jackson.databind.JsonNode n = dev.passage.resources.Json.JSON.readTree(line); // each line one object
      assertEquals("INFO", n.get("level").asString(), line);
      assertTrue(n.get("formattedMessage").isString() && n.get("loggerName").isString(), line);
    }
  }

  /** The access log as JSON: one object per connection, every field of its own. */
  @Test
  void theJsonAccessLogHasEveryField() throws Exception {
    try (dev.passage.testkit.TlsBackend backend = new dev.passage.testkit.TlsBackend("b", "b.example.com")) {
      int port = dev.passage.testkit.Fixtures.freePort();
      Path folder = emptyFolder();
      java.nio.file.Files.writeString(folder.resolve("all.yaml"), dev.passage.testkit.Fixtures.join(
          dev.passage.testkit.Fixtures.GATEWAY_CLASS, dev.passage.testkit.Fixtures.passthroughGateway("gw", port),
          dev.passage.testkit.Fixtures.service("default", "b", backend.port()),
          dev.passage.testkit.Fixtures.route("b", "gw", List.of("b.example.com"), List.of(new dev.passage.testkit.Fixtures.Backend("b")))));
      List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Dpekko.management.http.port=0", "-Dpassage.proxy.access-log=on",
          "-cp", System.getProperty("java.class.path"), Passage.class.getName(), "--resources", folder.toString());
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("PASSAGE_LOG_FORMAT", "json");
      Process p = builder.start();
      java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) lines.add(line);
        } catch (java.io.IOException ignored) {
          // the process ended
        }
      });
      reader.setDaemon(true);
      reader.start();
      try {
        awaitLine(lines, "listening on \\/127.0.0.1:" + port); // JSON escapes the slash
        try (dev.passage.testkit.TlsClient c = dev.passage.testkit.TlsClient.connect(port, "b.example.com")) {
          assertEquals("hello from b sni=b.example.com", c.greeting);
        }
        tools.jackson.databind.JsonNode access = dev.passage.resources.Json.JSON.readTree(awaitLine(lines, "\"passage.access\""));
        assertEquals("INFO", access.get("level").asString());
        java.util.Map<String, String> fields = new java.util.HashMap<>();
        access.get("kvpList").forEach(kv -> kv.properties().forEach(e -> fields.put(e.getKey(), e.getValue().asString())));
        assertEquals(java.util.Set.of("id", "client", "listener", "sni", "route", "backend", "endpoint", "bytes_to_backend",
            "bytes_to_client", "duration_ms", "outcome"), fields.keySet(), access.toString());
        assertTrue(fields.get("id").matches("[0-9a-f]{8}-[0-9a-z]+"), "the connection's id (a PROXY header's UniqueID): " + fields.get("id"));
        assertEquals("b.example.com", fields.get("sni"));
        assertEquals("default/b", fields.get("route"));
        assertEquals("default/b:8443", fields.get("backend"));
        assertEquals("127.0.0.1:" + backend.port(), fields.get("endpoint"));
        assertEquals("routed", fields.get("outcome"));
        assertTrue(Long.parseLong(fields.get("bytes_to_backend")) > 0 && Long.parseLong(fields.get("bytes_to_client")) > 0);
        assertTrue(access.get("formattedMessage").asString().startsWith("client="), "the text line too");
      } finally {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static String awaitLine(java.util.concurrent.BlockingQueue<String> lines, String containing) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    List<String> seen = new java.util.ArrayList<>();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line == null) continue;
      seen.add(line);
      if (line.contains(containing)) return line;
    }
    throw new AssertionError("no line with " + containing + " within 30 s:\n" + String.join("\n", seen));
  }

  private static Path emptyFolder() throws java.io.IOException {
    return java.nio.file.Files.createTempDirectory("passage-empty");
  }
}
