package dev.passage.rules;

import java.util.List;

/**
 * A policy's status in the shape Kubernetes stores it (GEP-713's PolicyStatus): one entry per
 * ancestor Passage owns, each with the policy's conditions as that ancestor sees them.
 */
public record PolicyStatus(List<Ancestor> ancestors) {
  public PolicyStatus {
    ancestors = List.copyOf(ancestors);
  }

  public record Ancestor(RouteStatus.ParentRef ancestorRef, String controllerName, List<Condition> conditions) {
    public Ancestor {
      conditions = List.copyOf(conditions);
    }
  }
}
