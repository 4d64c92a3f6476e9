package dev.passage.rules;

import java.util.List;

/** A route's status in the shape Kubernetes stores it: one entry per parent Passage owns. */
public record RouteStatus(List<Parent> parents) {
  public RouteStatus {
    parents = List.copyOf(parents);
  }

  public record Parent(ParentRef parentRef, String controllerName, List<Condition> conditions) {
    public Parent {
      conditions = List.copyOf(conditions);
    }
  }

  /** The spec's parentRef echoed back, with group and kind always written. */
  public record ParentRef(String group, String kind, String namespace, String name, String sectionName,
                          Integer port) {}
}
