package dev.passage.rules;

/**
 * What the rules need from configuration: the controllerName Passage answers to, and the
 * address a Gateway binds when its spec names none (standalone mode).
 */
public record RulesSettings(String controllerName, String defaultAddress) {
  public static final String DEFAULT_CONTROLLER_NAME = "passage.dev/gateway-controller";
}
