package dev.passage.rules;

/** A status condition as Kubernetes stores it, less lastTransitionTime (the writer stamps it). */
public record Condition(String type, String status, String reason, String message, long observedGeneration) {
  public static Condition isTrue(String type, String reason, String message, long generation) {
    return new Condition(type, "True", reason, message, generation);
  }

  public static Condition isFalse(String type, String reason, String message, long generation) {
    return new Condition(type, "False", reason, message, generation);
  }

  public boolean holds() {
    return "True".equals(status);
  }
}
