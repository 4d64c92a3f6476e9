package dev.passage.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.ops.Documents;
import dev.passage.ops.Json;
import dev.passage.resources.ResourceEvent;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.YamlDocuments;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * YAML trees. The "tutorial" case reads the bundled example in config/resources instead.
 * After an intended change, rewrite the expected files with -Dgolden.update=true and read the diff.
 */
class GoldenRulesTest {
  static final Path CASES = Path.of("src/test/resources/rules");
  static final RulesSettings SETTINGS = new RulesSettings(RulesSettings.DEFAULT_CONTROLLER_NAME, "127.0.0.1");

  @TestFactory
  Stream<DynamicTest> everyCase() throws IOException {
    try (Stream<Path> dirs = Files.list(CASES)) {
      List<Path> cases = dirs.filter(Files::isDirectory).sorted().toList();
      assertTrue(cases.size() >= 5, "golden cases found: " + cases);
      return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
    }
  }

  static Path inputsOf(Path dir) {
    return dir.getFileName().toString().equals("tutorial") ? Path.of("config/resources") : dir;
  }

  /** The objects of a folder, as the standalone source would load them (errors fail the test). */
  public static ResourceIndex load(Path folder) throws IOException {
    YamlDocuments parser = new YamlDocuments();
    List<ResourceEvent> events = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("expected.yaml")).sorted().toList()) {
        YamlDocuments.Result r = parser.parse(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
        assertEquals(List.of(), r.errors(), "input of " + folder);
        r.resources().forEach(x -> events.add(new ResourceEvent.Upserted(x)));
      }
    }
    return ResourceIndex.EMPTY.apply(events);
  }

  public static Map<String, Object> document(Reconciliation r) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("statuses", Documents.statuses(r.statuses()));
    doc.put("routeTable", new ArrayList<>(r.table().gateways().values()));
    return doc;
  }

  private static void check(Path dir) throws IOException {
    Reconciliation r = Reconciler.reconcile(load(inputsOf(dir)), SETTINGS);
    String actual = Json.YAML.writeValueAsString(document(r));
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
