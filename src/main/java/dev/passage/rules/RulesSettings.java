package dev.passage.rules;

/**
 * What the rules need from configuration: the controllerName Passage answers to, and how a
 * Gateway is placed (standalone: on its own addresses; Kubernetes: behind a Service of its own).
 */
public record RulesSettings(String controllerName, Placement.Policy placement) {
  public static final String DEFAULT_CONTROLLER_NAME = "passage.dev/gateway-controller";

  public static RulesSettings standalone(String controllerName, String defaultAddress) {
    return new RulesSettings(controllerName, Placement.standalone(defaultAddress));
  }

  /**
   * Kubernetes mode: the pods bind bindAddress on ports allocated from the range; each Gateway's
   * Service has the type serviceType and selects the pods by podSelector.
   */
  public record Kubernetes(String bindAddress, int portRangeStart, int portRangeEnd, String serviceType,
                           java.util.Map<String, String> podSelector) {
    public Kubernetes {
      podSelector = java.util.Map.copyOf(podSelector);
      if (portRangeStart < 1 || portRangeEnd > 65535 || portRangeStart > portRangeEnd) {
        throw new IllegalArgumentException("bad port range " + portRangeStart + "-" + portRangeEnd);
      }
    }
  }

  public static RulesSettings kubernetes(String controllerName, Kubernetes k8s) {
    return new RulesSettings(controllerName, new ServicePlacement(controllerName, k8s));
  }
}
