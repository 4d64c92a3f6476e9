package dev.passage.resources;

import java.util.List;
import java.util.Optional;

/**
 * A TrafficPolicy (passage.dev/v1alpha1, {@link dev.passage.resources.api.TrafficPolicy}) as the
 * rules read it: its targets and its fields as written (durations unparsed, numbers as given, null
 * when unset), so that the rules can say which field is wrong.
 */
public record TrafficPolicyView(Meta meta, List<TargetRef> targetRefs, ProxyProtocol proxyProtocol,
                                HealthCheck healthCheck, OutlierDetection outlierDetection, Connections connections,
                                Drain drain) implements Resource {
  public TrafficPolicyView {
    targetRefs = List.copyOf(targetRefs);
  }

  @Override
  public Resource withMeta(Meta other) {
    return new TrafficPolicyView(other, targetRefs, proxyProtocol, healthCheck, outlierDetection, connections, drain);
  }

  @Override
  public Kind kind() {
    return Kind.TRAFFIC_POLICY;
  }

  /** The objects this policy's targetRefs name that Passage can attach it to (in its namespace), without duplicates. */
  public List<ObjectKey> targets() {
    return targetRefs.stream().map(t -> t.target(meta.namespace())).flatMap(Optional::stream).distinct().toList();
  }

  /** group "" for core kinds (Service); sectionName a listener's name (Gateway) or a port's (Service), or null. */
  public record TargetRef(String group, String kind, String name, String sectionName) {
    /** The object named, when it is of a kind a TrafficPolicy can target: Gateway, TLSRoute, TCPRoute, Service. */
    public Optional<ObjectKey> target(String namespace) {
      Kind k = targetKind();
      return k == null || name == null || name.isBlank() ? Optional.empty() : Optional.of(ObjectKey.of(k, namespace, name));
    }

    public Kind targetKind() {
      if (group.isEmpty() && "Service".equals(kind)) return Kind.SERVICE;
      if (!GroupKind.GATEWAY_GROUP.equals(group)) return null;
      return switch (kind == null ? "" : kind) {
        case "Gateway" -> Kind.GATEWAY;
        case "TLSRoute" -> Kind.TLS_ROUTE;
        case "TCPRoute" -> Kind.TCP_ROUTE;
        default -> null;
      };
    }
  }

  public record ProxyProtocol(String version, List<String> tlvs) {
    public ProxyProtocol {
      tlvs = tlvs == null ? List.of() : List.copyOf(tlvs);
    }
  }

  public record HealthCheck(String interval, String timeout, Integer unhealthyThreshold, Integer healthyThreshold,
                            String tlsSni, boolean tls) {}

  public record OutlierDetection(Integer consecutiveConnectFailures, String ejectionTime, Integer maxEjectedPercent) {}

  public record Connections(Integer maxConcurrent, Integer maxPerSecond) {}

  public record Drain(String mode, String within) {}
}
