package dev.passage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the command line answers when it is given something wrong: one clear line and exit status 2. */
class CommandLineTest {
  static String[] run(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Passage.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
    return new String[] {String.valueOf(p.exitValue()), out};
  }

  @Test
  void aConfigFileThatDoesNotExistIsAnErrorNotTheDefaults() throws Exception {
    String[] r = run("--resources", "config/resources", "--config", "/no/such/passage.conf");
    assertEquals("2", r[0], r[1]);
    assertEquals("config file not found: /no/such/passage.conf", r[1]);
  }

  @Test
  void aResourcesFolderThatDoesNotExistIsAnError() throws Exception {
    String[] r = run("--resources", "/no/such/folder");
    assertEquals("2", r[0], r[1]);
    assertEquals("resources folder not found: /no/such/folder", r[1]);
  }

  @Test
  void startingUpPrintsNoLoggingWarnings() throws Exception {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dpekko.management.http.port=0", "-Dpassage.standalone.bind-address=127.0.0.1",
        "-cp", System.getProperty("java.class.path"), Passage.class.getName(), "--resources", emptyFolder().toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
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
    org.junit.jupiter.api.Assertions.assertTrue(out.contains("Passage is up"), "the premise: it started\n" + out);
    org.junit.jupiter.api.Assertions.assertFalse(out.contains("SLF4J(W)"), out);
  }

  private static Path emptyFolder() throws java.io.IOException {
    return java.nio.file.Files.createTempDirectory("passage-empty");
  }
}
