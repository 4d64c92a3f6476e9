package dev.passage.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.ops.Documents;
import dev.passage.resources.Json;
import dev.passage.resources.ResourceIndex;
import dev.passage.testkit.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * Golden files: each folder under src/test/resources/rules holds input objects (*.yaml) and
 * expected.yaml, the statuses and route table the rules must compute from them, compared as
 * YAML trees. Every case also loads _shared/ (the conformance suite's Services and Secrets). The "tutorial" case reads the bundled example in config/resources instead.
 * After an intended change, rewrite the expected files with -Dgolden.update=true and read the diff.
 */
class GoldenRulesTest {
  static final Path CASES = Path.of("src/test/resources/rules");
  static final RulesSettings SETTINGS = RulesSettings.standalone(RulesSettings.DEFAULT_CONTROLLER_NAME, "127.0.0.1");

  @TestFactory
  Stream<DynamicTest> everyCase() throws IOException {
    try (Stream<Path> dirs = Files.list(CASES)) {
      List<Path> cases = dirs.filter(Files::isDirectory)
          .filter(d -> !d.getFileName().toString().startsWith("_")).sorted().toList();
      assertTrue(cases.size() >= 5, "golden cases found: " + cases);
      return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
    }
  }

  /** A case's own YAML plus the shared fixtures (Services, Secrets); the tutorial is the bundled example. */
  static ResourceIndex inputsOf(Path dir) throws IOException {
    if (dir.getFileName().toString().equals("tutorial")) return Folders.load(Path.of("config/resources"));
    return Folders.load(CASES.resolve("_shared"), dir);
  }

  private static void check(Path dir) throws IOException {
    Reconciliation r = Reconciler.reconcile(inputsOf(dir), SETTINGS);
    String actual = Json.YAML.writeValueAsString(dev.passage.testkit.Outcomes.document(r));
    Path expectedFile = dir.resolve("expected.yaml");
    if (Boolean.getBoolean("golden.update") || !Files.exists(expectedFile)) {
      Files.writeString(expectedFile, "# Written by GoldenRulesTest with -Dgolden.update=true: read the diff.\n" + actual);
      if (!Boolean.getBoolean("golden.update")) throw new AssertionError("wrote a new " + expectedFile + ": review it");
      return;
    }
    JsonNode expected = Json.YAML.readTree(Files.readString(expectedFile));
    assertEquals(expected, Json.YAML.readTree(actual), () -> dir + " differs; actual:\n" + actual);
  }
}
