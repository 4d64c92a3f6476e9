package dev.passage.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation holds together: every relative link in README.md, CONTRIBUTING.md and docs/
 * reaches a file of the repository (and, for a link to a heading, a heading that file has, named as
 * GitHub names its anchors), and every setting of reference.conf is in docs/configuration.md with its
 * default.
 */
class DocsTest {
  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*$");
  private static final Path CONFIGURATION = Path.of("docs/configuration.md");

  static List<Path> documents() throws IOException {
    List<Path> docs = new ArrayList<>(List.of(Path.of("README.md"), Path.of("CONTRIBUTING.md")));
    try (Stream<Path> files = Files.list(Path.of("docs"))) {
      files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  /** The lines of a Markdown file outside fenced code blocks (where # is a shell comment, not a heading). */
  static List<String> prose(Path file) throws IOException {
    List<String> out = new ArrayList<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(file)) {
      if (line.stripLeading().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (!fenced) out.add(line);
    }
    return out;
  }

  /** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
  static Set<String> anchors(Path file) throws IOException {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : prose(file)) {
      Matcher m = HEADING.matcher(line);
      if (!m.matches()) continue;
      String slug = m.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum);
      anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
    }
    return anchors;
  }

  @Test
  void everyRelativeLinkResolves() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path doc : documents()) {
      assertTrue(Files.exists(doc), doc + " exists");
      List<String> lines = prose(doc);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = LINK.matcher(lines.get(i));
        while (m.find()) {
          String target = m.group(1);
          if (target.matches("^[a-z]+:.*")) continue; // https:, mailto:
          checked++;
          int hash = target.indexOf('#');
          String path = hash < 0 ? target : target.substring(0, hash);
          String anchor = hash < 0 ? null : target.substring(hash + 1);
          Path file = path.isEmpty() ? doc : doc.toAbsolutePath().getParent().resolve(path).normalize();
          if (!Files.exists(file)) {
            broken.add(doc + ": " + target + " (no such file)");
          } else if (anchor != null && file.toString().endsWith(".md") && !anchors(file).contains(anchor)) {
            broken.add(doc + ": " + target + " (no such heading in " + file.getFileName() + ")");
          }
        }
      }
    }
    assertTrue(checked > 50, "the premise: the documents link to each other (" + checked + " links)");
    assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
  }

  @Test
  void everySettingIsDocumentedWithItsDefault() throws IOException {
    Config reference = ConfigFactory.parseFile(Path.of("src/main/resources/reference.conf").toFile()).resolve();
    List<String> rows = prose(CONFIGURATION).stream().filter(l -> l.startsWith("| `")).toList();
    List<String> missing = new ArrayList<>();
    int settings = 0;
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      settings++;
      String documented = documentedName(e.getKey());
      String row = rows.stream().filter(r -> r.startsWith("| `" + documented + "`")).findFirst().orElse(null);
      if (row == null) {
        missing.add(documented + ": no row");
        continue;
      }
      String[] cells = row.split("\\|");
      String defaultCell = cells.length > 2 ? cells[2] : "";
      String value = shown(e.getValue());
      if (!defaultCell.contains(value)) missing.add(documented + ": default " + value + " not in " + defaultCell.trim());
    }
    assertTrue(settings > 50, "the premise: reference.conf has its settings (" + settings + ")");
    assertTrue(missing.isEmpty(), "docs/configuration.md misses:\n" + String.join("\n", missing));
  }

  /** A setting's path as the docs name it: up to the first key that needs quotes (a label like "app.kubernetes.io/name"). */
  static String documentedName(String path) {
    List<String> keys = ConfigUtil.splitPath(path);
    StringBuilder name = new StringBuilder();
    for (String key : keys) {
      if (!key.matches("[A-Za-z0-9-]+")) break;
      if (name.length() > 0) name.append('.');
      name.append(key);
    }
    return name.toString();
  }

  static String shown(ConfigValue value) {
    if (value.valueType() == ConfigValueType.LIST) return value.render();
    String s = String.valueOf(value.unwrapped());
    return s.isEmpty() ? "\"\"" : s;
  }
}
