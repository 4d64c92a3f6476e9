package dev.passage.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySourceTest {
  @TempDir
  Path folder;

  static String namespace(String name) {
    return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n";
  }

  @Test
  void emitsOnlyRealChangesAndABadFileDoesNotStopTheOthers() throws Exception {
    Files.writeString(folder.resolve("a.yaml"), namespace("a"));
    Files.writeString(folder.resolve("b.yml"), "kind: [broken\n");
    Files.createDirectories(folder.resolve("sub"));
    Files.writeString(folder.resolve("sub/c.yaml"), namespace("c"));
    Files.writeString(folder.resolve("notes.txt"), namespace("ignored"));
    try (DirectorySource source = new DirectorySource(folder, Duration.ofHours(1), e -> {})) {
      List<ResourceEvent> first = source.scan();
      assertEquals(List.of("a", "c"), first.stream().map(e -> e.key().name()).sorted().toList());

      assertEquals(List.of(), source.scan(), "nothing changed, nothing emitted");

      Files.writeString(folder.resolve("b.yml"), namespace("b"));
      List<ResourceEvent> fixed = source.scan();
      assertEquals(1, fixed.size());
      assertEquals("b", assertInstanceOf(ResourceEvent.Upserted.class, fixed.get(0)).key().name());

      Files.delete(folder.resolve("a.yaml"));
      List<ResourceEvent> deleted = source.scan();
      assertEquals(List.of(new ResourceEvent.Deleted(ObjectKey.of(Kind.NAMESPACE, "", "a"))), deleted);
    }
  }
}
