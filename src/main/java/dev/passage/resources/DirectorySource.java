package dev.passage.resources;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone mode's source: the Gateway API objects in a folder of YAML files (*.yaml, *.yml,
 * subfolders included). The folder is polled; a changed file is parsed again and only the
 * objects that really changed are emitted. Blocking file I/O runs on the source's own thread.
 */
public final class DirectorySource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DirectorySource.class);

  private final Path root;
  private final Duration pollInterval;
  private final Consumer<List<ResourceEvent>> sink;
  private final YamlDocuments parser = new YamlDocuments();
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "passage-directory-source");
    t.setDaemon(true);
    return t;
  });

  // touched only on the source's thread
  private final Map<Path, FileState> files = new HashMap<>();
  private Map<ObjectKey, Resource> current = Map.of();

  private record FileState(FileTime modified, long size, List<Resource> resources) {}

  public DirectorySource(Path root, Duration pollInterval, Consumer<List<ResourceEvent>> sink) {
    this.root = root;
    this.pollInterval = pollInterval;
    this.sink = sink;
  }

  /** Loads the folder once, emits it followed by Synced, then keeps watching. */
  public void start() {
    if (!Files.isDirectory(root)) throw new IllegalArgumentException("resources folder not found: " + root);
    thread.execute(() -> {
      List<ResourceEvent> first = scan();
      first.add(new ResourceEvent.Synced());
      sink.accept(first);
      log.info("loaded {} objects from {}", current.size(), root);
    });
    thread.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void poll() {
    try {
      List<ResourceEvent> events = scan();
      if (!events.isEmpty()) sink.accept(events);
    } catch (RuntimeException e) {
      log.error("scanning {} failed", root, e);
    }
  }

  /** Re-reads changed files and returns the differences from what was last emitted. */
  List<ResourceEvent> scan() {
    List<Path> paths;
    try (Stream<Path> s = Files.walk(root)) {
      paths = s.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted().toList();
    } catch (IOException e) {
      log.error("cannot list {}: {}", root, e.toString());
      return new ArrayList<>();
    }
    files.keySet().retainAll(paths);
    for (Path p : paths) {
      try {
        FileTime modified = Files.getLastModifiedTime(p); // full resolution: two saves in one ms differ
        long size = Files.size(p);
        FileState known = files.get(p);
        if (known != null && known.modified.equals(modified) && known.size == size) continue;
        String text = Files.readString(p, StandardCharsets.UTF_8);
        YamlDocuments.Result r = parser.parse(root.relativize(p).toString(), text);
        r.errors().forEach(e -> log.error("cannot load {}", e));
        r.ignored().forEach(i -> log.debug("ignored {} (not a kind Passage reads)", i));
        files.put(p, new FileState(modified, size, r.resources()));
      } catch (IOException e) {
        log.error("cannot read {}: {}", p, e.toString());
      }
    }
    Map<ObjectKey, Resource> next = new LinkedHashMap<>();
    Map<ObjectKey, Path> origin = new HashMap<>();
    for (Map.Entry<Path, FileState> f : new TreeMap<>(files).entrySet()) {
      for (Resource r : f.getValue().resources) {
        Path earlier = origin.put(r.key(), f.getKey());
        if (earlier != null && !earlier.equals(f.getKey())) {
          log.warn("{} is defined in {} and again in {}; the latter wins", r.key(), earlier, f.getKey());
        }
        next.put(r.key(), r);
      }
    }
    List<ResourceEvent> events = new ArrayList<>();
    for (Map.Entry<ObjectKey, Resource> e : next.entrySet()) {
      if (!Objects.equals(current.get(e.getKey()), e.getValue())) events.add(new ResourceEvent.Upserted(e.getValue()));
    }
    for (ObjectKey k : current.keySet()) {
      if (!next.containsKey(k)) events.add(new ResourceEvent.Deleted(k));
    }
    current = next;
    return events;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
