package dev.passage.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.passage.resources.ResourceEvent;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.YamlDocuments;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Loads a folder of YAML the way the standalone source does (any parse error fails the test). */
public final class Folders {
  private Folders() {}

  public static ResourceIndex load(Path... folders) throws IOException {
    YamlDocuments parser = new YamlDocuments();
    List<ResourceEvent> events = new ArrayList<>();
    for (Path folder : folders) {
      try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("expected.yaml")).sorted().toList()) {
        YamlDocuments.Result r = parser.parse(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
        assertEquals(List.of(), r.errors(), "input of " + folder);
        r.resources().forEach(x -> events.add(new ResourceEvent.Upserted(x)));
      }
      }
    }
    return ResourceIndex.EMPTY.apply(events);
  }
}
