package dev.passage.rules;

import java.util.List;

public record GatewayClassStatus(List<Condition> conditions, List<Feature> supportedFeatures) {
  public GatewayClassStatus {
    conditions = List.copyOf(conditions);
    supportedFeatures = List.copyOf(supportedFeatures);
  }

  public record Feature(String name) {}
}
