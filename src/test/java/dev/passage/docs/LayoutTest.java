package dev.passage.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layout rule of CONTRIBUTING.md, held by the code: dependencies point down the pipeline
 * (resources, rules, control, table, proxy; ops reads them all, the root wires them). A stage
 * imports only the stages before it that it is allowed to read; the table carries its own
 * vocabulary, so it imports nothing of the rules that produce it, and the data plane reads the
 * table, never the rules or the controller.
 */
class LayoutTest {
  private static final Path MAIN = Path.of("src/main/java/dev/passage");
  private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?dev\\.passage\\.([a-z]+)\\.");
  private static final Pattern QUALIFIED = Pattern.compile("\\bdev\\.passage\\.([a-z]+)\\.[A-Z]");

  /** What each package may import besides itself (a package not listed here fails the test: place it). */
  private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
      Map.entry("collections", Set.of()),
      Map.entry("resources", Set.of("collections")),
      Map.entry("rules", Set.of("collections", "resources", "table")),
      Map.entry("control", Set.of("collections", "config", "resources", "rules", "table")),
      Map.entry("table", Set.of("collections", "resources")),
      Map.entry("proxy", Set.of("collections", "config", "resources", "table")),
      Map.entry("config", Set.of("resources", "rules")),
      Map.entry("cluster", Set.of()),
      Map.entry("boot", Set.of("resources")),
      Map.entry("ops", Set.of("collections", "config", "resources", "rules", "control", "table", "proxy", "cluster", "boot")));

  @Test
  void everyStageImportsOnlyWhatItMayRead() throws IOException {
    List<String> wrong = new ArrayList<>();
    int files = 0;
    try (Stream<Path> sources = Files.walk(MAIN)) {
      for (Path file : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
        Path relative = MAIN.relativize(file);
        if (relative.getNameCount() == 1) continue; // the root: the entry point and the node's wiring
        String stage = relative.getName(0).toString();
        Set<String> allowed = ALLOWED.get(stage);
        if (allowed == null) {
          wrong.add(relative + ": package " + stage + " has no place in the layout rule");
          continue;
        }
        files++;
        String source = Files.readString(file);
        for (Pattern p : List.of(IMPORT, QUALIFIED)) {
          Matcher m = p.matcher(source);
          while (m.find()) {
            String used = m.group(1);
            if (!used.equals(stage) && !allowed.contains(used)) wrong.add(relative + " uses " + used + "/");
          }
        }
      }
    }
    assertTrue(files > 100, "the premise: the stages' sources were read (" + files + ")");
    assertTrue(wrong.isEmpty(), "against the layout rule:\n" + String.join("\n", wrong.stream().distinct().toList()));
  }
}
