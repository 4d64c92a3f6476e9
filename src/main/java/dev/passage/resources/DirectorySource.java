package dev.passage.resources;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone mode's source: the Gateway API objects in a folder of YAML files (*.yaml, *.yml,
 * subfolders included). The folder is polled; a changed file is parsed again and only the
 * objects of that file that really changed are emitted: a poll that finds nothing changed lists
 * the folder and looks at each file's size and time, nothing more. Blocking file I/O runs on the
 * source's own thread.
 *
 * <p>Files are applied only when complete: a change (new content, a new file, a removed file)
 * waits until the file has looked the same (modification time and size) for the settle time,
 * and a rewrite that is empty or does not parse, of a file that held objects, keeps that file's
 * last good objects until it is valid again (an editor or script caught mid-write). To remove
 * every object of a file, delete the file.
 */
public final class DirectorySource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DirectorySource.class);

  private final Path root;
  private final Duration pollInterval;
  private final long settleNanos;
  private final LongSupplier clock;
  private final Logger log;
  private final Consumer<List<ResourceEvent>> sink;
  private final YamlDocuments parser = new YamlDocuments();
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "passage-directory-source");
    t.setDaemon(true);
    return t;
  });

  // touched only on the source's thread
  private final Map<Path, FileState> files = new HashMap<>();    // what is applied, per file
  private final Map<Path, Seen> changing = new HashMap<>();       // changed, waiting to settle
  private final Map<Path, Long> absentSince = new HashMap<>();    // applied files not seen since
  /** What was last emitted, per object. */
  private final Map<ObjectKey, Resource> current = new HashMap<>();
  /** Which files define each object, and as what (the last file in path order wins). */
  private final Map<ObjectKey, TreeMap<Path, Resource>> definitions = new HashMap<>();
  /** When each object without a creationTimestamp was first read, to the second; forgotten when it goes. */
  private final Map<ObjectKey, java.time.Instant> firstRead = new HashMap<>();
  private boolean loaded;

  private record Stamp(FileTime modified, long size) {}

  private record FileState(Stamp stamp, List<Resource> resources, boolean keptLastGood) {}

  private record Seen(Stamp stamp, long since) {}

  public DirectorySource(Path root, Duration pollInterval, Duration settle, Consumer<List<ResourceEvent>> sink) {
    this(root, pollInterval, settle, sink, System::nanoTime, LOG);
  }

  DirectorySource(Path root, Duration pollInterval, Duration settle, Consumer<List<ResourceEvent>> sink,
                  LongSupplier clock) {
    this(root, pollInterval, settle, sink, clock, LOG);
  }

  private DirectorySource(Path root, Duration pollInterval, Duration settle, Consumer<List<ResourceEvent>> sink,
                          LongSupplier clock, Logger log) {
    this.log = log;
    this.root = root;
    this.pollInterval = pollInterval;
    this.settleNanos = settle.toNanos();
    this.sink = sink;
    this.clock = clock;
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
      if (!events.isEmpty()) {
        sink.accept(events);
        // the controller logs what it applied, once the tables are out
        log.debug("read {} changed object(s) from {}", events.size(), root);
      }
    } catch (RuntimeException e) {
      log.error("scanning {} failed", root, e);
    }
  }

  /**
   * Re-reads the files that changed and have settled, and returns the differences from what was
   * last emitted. The first scan applies every file at once.
   */
  List<ResourceEvent> scan() {
    TreeMap<Path, Stamp> paths = new TreeMap<>();
    try {
      list(root, paths);
    } catch (IOException e) {
      log.error("cannot list {}: {}", root, e.toString());
      return new ArrayList<>();
    }
    long now = clock.getAsLong();
    boolean settle = loaded && settleNanos > 0;
    loaded = true;
    changing.keySet().retainAll(paths.keySet());
    List<ResourceEvent> events = new ArrayList<>();
    for (Path gone : new ArrayList<>(files.keySet())) {
      if (paths.containsKey(gone)) continue;
      long since = absentSince.computeIfAbsent(gone, p -> now);
      if (!settle || now - since >= settleNanos) { // removed for good, not replaced mid-save
        replace(gone, files.remove(gone).resources, List.of(), events);
        absentSince.remove(gone);
      }
    }
    for (Map.Entry<Path, Stamp> file : paths.entrySet()) {
      Path p = file.getKey();
      Stamp stamp = file.getValue();
      absentSince.remove(p);
      try {
        FileState known = files.get(p);
        if (known != null && known.stamp.equals(stamp)) {
          changing.remove(p);
          continue;
        }
        if (settle) {
          Seen seen = changing.get(p);
          if (seen == null || !seen.stamp.equals(stamp)) {
            changing.put(p, new Seen(stamp, now)); // changed (again): wait for it to settle
            continue;
          }
          if (now - seen.since < settleNanos) continue;
        }
        changing.remove(p);
        FileState applied = apply(p, stamp, known);
        replace(p, known == null ? List.of() : known.resources, applied.resources, events);
      } catch (IOException e) {
        log.error("cannot read {}: {}", p, e.toString());
      }
    }
    return events;
  }

  /**
   * The YAML files under a folder, with their size and modification time (full resolution: two
   * saves in one ms differ): one attribute read per entry, which is all an idle poll costs. Names
   * starting with a dot are skipped: editors' swap files, and the "..data" and timestamped folders
   * of a Kubernetes ConfigMap mounted as a volume, which hold the same files again.
   */
  private static void list(Path dir, Map<Path, Stamp> into) throws IOException {
    try (var entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (p.getFileName().toString().startsWith(".")) continue;
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        if (a.isDirectory()) {
          list(p, into);
        } else if (a.isRegularFile()) {
          String name = p.getFileName().toString();
          if (name.endsWith(".yaml") || name.endsWith(".yml")) into.put(p, new Stamp(a.lastModifiedTime(), a.size()));
        }
      }
    }
  }

  /**
   * One file's objects changed from before to after: the events for the objects it defines or
   * defined, and nothing for the others (a poll costs what changed, not what the folder holds).
   * An object defined in several files is the one of the last file in path order.
   */
  private void replace(Path file, List<Resource> before, List<Resource> after, List<ResourceEvent> events) {
    if (before.equals(after)) return;
    Set<ObjectKey> touched = new LinkedHashSet<>();
    for (Resource r : before) {
      touched.add(r.key());
      TreeMap<Path, Resource> defs = definitions.get(r.key());
      if (defs != null && defs.remove(file) != null && defs.isEmpty()) definitions.remove(r.key());
    }
    for (Resource r : after) {
      touched.add(r.key());
      TreeMap<Path, Resource> defs = definitions.computeIfAbsent(r.key(), k -> new TreeMap<>());
      defs.put(file, r);
      if (defs.size() > 1) {
        log.warn("{} is defined in {} and again in {}; the latter wins", r.key(), defs.firstKey(), defs.lastKey());
      }
    }
    for (ObjectKey key : touched) {
      TreeMap<Path, Resource> defs = definitions.get(key);
      if (defs == null) {
        firstRead.remove(key);
        if (current.remove(key) != null) events.add(new ResourceEvent.Deleted(key));
        continue;
      }
      Resource now = generation(created(defs.lastEntry().getValue()));
      if (!now.equals(current.get(key))) {
        current.put(key, now);
        events.add(new ResourceEvent.Upserted(now));
      }
    }
  }

  /**
   * A changed object's generation goes up by one, as the API server counts changes (here any
   * change, labels included), so that observedGeneration in its status tells which version of it
   * was judged. An unchanged object keeps the generation it had.
   */
  private Resource generation(Resource r) {
    Resource before = current.get(r.key());
    if (before == null) return r;
    long was = before.meta().generation();
    Resource same = r.withMeta(r.meta().withGeneration(was));
    if (same.equals(before)) return before;
    return r.withMeta(r.meta().withGeneration(Math.max(r.meta().generation(), was + 1)));
  }

  /**
   * An object without a creationTimestamp is stamped with the time Passage first read it, as the API
   * server would have stamped it on creation: what was added later is younger, and loses ties of
   * precedence to what was there before (objects read in the same second tie, and go by name).
   */
  private Resource created(Resource r) {
    if (r.meta().hasCreationTimestamp()) return r;
    java.time.Instant first = firstRead.computeIfAbsent(r.key(),
        k -> java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    return r.withMeta(r.meta().withCreationTimestamp(first));
  }

  /** Parses one settled file; an empty or broken rewrite of a file that held objects keeps them. */
  private FileState apply(Path p, Stamp stamp, FileState known) throws IOException {
    String name = root.relativize(p).toString();
    String text = Files.readString(p, StandardCharsets.UTF_8);
    YamlDocuments.Result r = parser.parse(name, text);
    r.errors().forEach(e -> log.error("cannot load {}", e));
    r.ignored().forEach(i -> log.debug("ignored {} (not a kind Passage reads)", i));
    boolean incomplete = !r.errors().isEmpty() || r.resources().isEmpty();
    if (incomplete && known != null && !known.resources.isEmpty()) {
      log.warn("{} is {}; keeping the {} object(s) last loaded from it until it is valid again (delete the file to remove them)",
          name, r.errors().isEmpty() ? "empty" : "not valid", known.resources.size());
      FileState kept = new FileState(stamp, known.resources, true);
      files.put(p, kept);
      return kept;
    }
    if (known != null && known.keptLastGood) log.info("{} is valid again", name);
    FileState applied = new FileState(stamp, r.resources(), false);
    files.put(p, applied);
    return applied;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
