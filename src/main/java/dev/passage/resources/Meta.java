package dev.passage.resources;

import java.time.Instant;
import java.util.Map;

/**
 * The metadata the rules use. creationTimestamp orders routes and listeners of equal specificity;
 * uid (empty in standalone mode) lets Passage own objects it creates for a Gateway.
 */
public record Meta(String namespace, String name, long generation, Instant creationTimestamp,
                   Map<String, String> labels, String uid) {
  public Meta(String namespace, String name, long generation, Instant creationTimestamp, Map<String, String> labels) {
    this(namespace, name, generation, creationTimestamp, labels, "");
  }

  public Meta {
    uid = uid == null ? "" : uid;
    namespace = namespace == null ? "" : namespace;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    creationTimestamp = creationTimestamp == null ? Instant.EPOCH : creationTimestamp;
  }

  /** Whether the object said when it was created (standalone YAML usually does not). */
  public boolean hasCreationTimestamp() {
    return !Instant.EPOCH.equals(creationTimestamp);
  }

  public Meta withGeneration(long generation) {
    return new Meta(namespace, name, generation, creationTimestamp, labels, uid);
  }

  public Meta withCreationTimestamp(Instant created) {
    return new Meta(namespace, name, generation, created, labels, uid);
  }

  public NamespacedName ref() {
    return new NamespacedName(namespace, name);
  }
}
