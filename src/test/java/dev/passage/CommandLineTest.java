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
}
