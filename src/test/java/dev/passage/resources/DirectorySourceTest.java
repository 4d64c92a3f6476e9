package dev.passage.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    try (DirectorySource source = new DirectorySource(folder, Duration.ofHours(1), Duration.ZERO, e -> {})) {
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

  /** A mounted ConfigMap: the files are links into "..data", which links to a timestamped folder holding them again. */
  @Test
  void namesStartingWithADotAreSkippedSoAMountedConfigMapIsReadOnce() throws Exception {
    Path stamped = Files.createDirectories(folder.resolve("..2026_12_03_10_00_00.123"));
    Files.writeString(stamped.resolve("ns.yaml"), namespace("a"));
    Files.createSymbolicLink(folder.resolve("..data"), stamped.getFileName());
    Files.createSymbolicLink(folder.resolve("ns.yaml"), Path.of("..data/ns.yaml"));
    Files.writeString(folder.resolve(".ns.yaml.swp"), namespace("swap"));
    try (DirectorySource source = new DirectorySource(folder, Duration.ofHours(1), Duration.ZERO, e -> {})) {
      List<ResourceEvent> first = source.scan();
      assertEquals(List.of("a"), first.stream().map(e -> e.key().name()).toList(), "read once, through the link");
      assertEquals(List.of(), source.scan());
    }
  }

  @Test
  void objectsWithoutACreationTimestampAreStampedWhenFirstRead() throws Exception {
    java.time.Instant before = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    Files.writeString(folder.resolve("a.yaml"), namespace("a"));
    Files.writeString(folder.resolve("b.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n"
        + "  creationTimestamp: \"2025-01-02T03:04:05Z\"\n");
    try (DirectorySource source = new DirectorySource(folder, Duration.ofHours(1), Duration.ZERO, e -> {})) {
      List<ResourceEvent> first = source.scan();
      java.time.Instant a = created(first, "a");
      assertTrue(!a.isBefore(before) && !a.isAfter(java.time.Instant.now()), "stamped when read: " + a);
      assertEquals(java.time.Instant.parse("2025-01-02T03:04:05Z"), created(first, "b"), "a written timestamp is kept");

      Files.writeString(folder.resolve("a.yaml"), namespace("a") + "  labels: {x: y}\n");
      List<ResourceEvent> changed = source.scan();
      assertEquals(a, created(changed, "a"), "a change keeps the first time");

      Files.delete(folder.resolve("a.yaml"));
      source.scan();
      java.time.Instant gone = java.time.Instant.now();
      Files.writeString(folder.resolve("a.yaml"), namespace("a"));
      java.time.Instant again = created(source.scan(), "a");
      assertTrue(!again.isBefore(gone.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)),
          "deleted and written again: a new object, stamped anew (" + again + ")");
    }
  }

  static java.time.Instant created(List<ResourceEvent> events, String name) {
    return events.stream().filter(e -> e instanceof ResourceEvent.Upserted u && u.key().name().equals(name))
        .map(e -> ((ResourceEvent.Upserted) e).resource().meta().creationTimestamp()).findFirst().orElseThrow();
  }

  /** A clock the test moves by hand. */
  static final class Clock implements java.util.function.LongSupplier {
    long nanos;

    @Override
    public long getAsLong() {
      return nanos;
    }

    void advance(Duration d) {
      nanos += d.toNanos();
    }
  }

  @Test
  void aChangeIsAppliedOnlyOnceTheFileHasSettled() throws Exception {
    Clock clock = new Clock();
    Path a = folder.resolve("a.yaml");
    Files.writeString(a, namespace("a"));
    try (DirectorySource source = new DirectorySource(folder, Duration.ofHours(1), Duration.ofMillis(500), e -> {}, clock)) {
      assertEquals(1, source.scan().size(), "the first load does not wait");
      Files.writeString(a, namespace("a") + "---\n" + namespace("a2"));
      assertEquals(List.of(), source.scan(), "just changed: waits");
      clock.advance(Duration.ofMillis(300));
      assertEquals(List.of(), source.scan(), "not settled yet");
      Files.writeString(a, namespace("a") + "---\n" + namespace("a3")); // written again: the wait starts over
      clock.advance(Duration.ofMillis(300));
      assertEquals(List.of(), source.scan(), "changed again: seen 0 ms ago");
      clock.advance(Duration.ofMillis(400));
      assertEquals(List.of(), source.scan(), "seen 400 ms ago");
      clock.advance(Duration.ofMillis(100));
      List<ResourceEvent> applied = source.scan();
      assertEquals(List.of("a3"), applied.stream().map(e -> e.key().name()).toList(), "the settled content only");
    }
  }

  @Test
  void anEmptyOrBrokenRewriteKeepsTheLastGoodObjectsUntilTheFileIsValidAgain() throws Exception {
    Clock clock = new Clock();
    Path a = folder.resolve("a.yaml");
    Files.writeString(a, namespace("a") + "---\n" + namespace("b"));
    try (DirectorySource source = new DirectorySource(folder, Duration.ofHours(1), Duration.ofMillis(500), e -> {}, clock)) {
      assertEquals(2, source.scan().size());
      Files.writeString(a, ""); // truncated, and left so for longer than the settle time
      source.scan();
      clock.advance(Duration.ofSeconds(2));
      assertEquals(List.of(), source.scan(), "empty: the last good objects stay");
      Files.writeString(a, namespace("a") + "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: [b"); // cut mid-document
      source.scan();
      clock.advance(Duration.ofSeconds(2));
      assertEquals(List.of(), source.scan(), "broken: the last good objects stay");
      Files.writeString(a, namespace("a"));
      source.scan();
      clock.advance(Duration.ofSeconds(2));
      assertEquals(List.of(new ResourceEvent.Deleted(ObjectKey.of(Kind.NAMESPACE, "", "b"))), source.scan(),
          "valid again: applied as written");
    }
  }

  @Test
  void aFileReplacedWithinTheSettleTimeIsNotRemovedMeanwhile() throws Exception {
    Clock clock = new Clock();
    Path a = folder.resolve("a.yaml");
    Files.writeString(a, namespace("a"));
    try (DirectorySource source = new DirectorySource(folder, Duration.ofHours(1), Duration.ofMillis(500), e -> {}, clock)) {
      assertEquals(1, source.scan().size());
      Files.delete(a); // an editor that moves the old file away, then writes the new one
      assertEquals(List.of(), source.scan());
      clock.advance(Duration.ofMillis(200));
      Files.writeString(a, namespace("a"));
      assertEquals(List.of(), source.scan(), "back, same objects: nothing was removed");
      clock.advance(Duration.ofSeconds(1));
      assertEquals(List.of(), source.scan());
      Files.delete(a);
      source.scan();
      clock.advance(Duration.ofMillis(500));
      assertEquals(List.of(new ResourceEvent.Deleted(ObjectKey.of(Kind.NAMESPACE, "", "a"))), source.scan(),
          "gone for the settle time: removed");
    }
  }
}
