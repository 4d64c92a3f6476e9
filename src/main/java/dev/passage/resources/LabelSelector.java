package dev.passage.resources;

import java.util.List;
import java.util.Map;

/** A Kubernetes label selector: matchLabels and matchExpressions, all of which must hold. */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {
  public LabelSelector {
    matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
    matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
  }

  public record Requirement(String key, String operator, List<String> values) {
    public Requirement {
      values = values == null ? List.of() : List.copyOf(values);
    }
  }

  public boolean matches(Map<String, String> labels) {
    for (var e : matchLabels.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) return false;
    }
    for (Requirement r : matchExpressions) {
      String v = labels.get(r.key());
      boolean ok = switch (r.operator()) {
        case "In" -> v != null && r.values().contains(v);
        case "NotIn" -> v == null || !r.values().contains(v);
        case "Exists" -> labels.containsKey(r.key());
        case "DoesNotExist" -> !labels.containsKey(r.key());
        default -> false; // an unknown operator selects nothing rather than everything
      };
      if (!ok) return false;
    }
    return true;
  }
}
