package dev.passage.resources.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * Passage's TrafficPolicy (passage.dev/v1alpha1): L4 policy attached by targetRefs as Gateway API
 * policies are (GEP-713): PROXY protocol, health checks and outlier detection for Service targets;
 * connection limits for Gateway, listener and route targets; what a route change does to
 * established connections for route targets. The CRD is generated from these classes at build time
 * (fabric8's crd-generator: target/classes/META-INF/fabric8/) and k8s/base/crds holds a copy that
 * a test keeps equal to it. Durations are Go-style strings ("2s", "30s").
 */
@Group("passage.dev")
@Version("v1alpha1")
@Kind("TrafficPolicy")
@Plural("trafficpolicies")
public class TrafficPolicy extends CustomResource<TrafficPolicy.Spec, TrafficPolicy.Status> implements Namespaced {
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec {
    @JsonPropertyDescription("What the policy applies to: a Gateway (sectionName: one listener), a TLSRoute, a TCPRoute or a Service.")
    public List<TargetRef> targetRefs;
    @JsonPropertyDescription("Service targets: a PROXY protocol header before the first byte sent to each endpoint.")
    public ProxyProtocol proxyProtocol;
    @JsonPropertyDescription("Service targets: active checks of each endpoint.")
    public HealthCheck healthCheck;
    @JsonPropertyDescription("Service targets: endpoints ejected after consecutive connect failures of real traffic.")
    public OutlierDetection outlierDetection;
    @JsonPropertyDescription("Gateway, listener or route targets: connection limits per node.")
    public Connections connections;
    @JsonPropertyDescription("Route targets: what a route change does to its established connections.")
    public Drain drain;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TargetRef {
    public String group;
    public String kind;
    public String name;
    public String sectionName;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ProxyProtocol {
    @JsonPropertyDescription("V2 (the binary header).")
    public String version;
    @JsonPropertyDescription("Authority (the SNI), ALPN, UniqueID (the connection's id).")
    public List<String> tlvs;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HealthCheck {
    public String interval;
    public String timeout;
    public Integer unhealthyThreshold;
    public Integer healthyThreshold;
    @JsonPropertyDescription("A TLS handshake with this SNI instead of a TCP connect.")
    public HealthCheckTls tls;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HealthCheckTls {
    public String sni;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class OutlierDetection {
    public Integer consecutiveConnectFailures;
    public String ejectionTime;
    public Integer maxEjectedPercent;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Connections {
    @JsonPropertyDescription("Per node; past it new connections are refused (FIN), counted.")
    public Integer maxConcurrent;
    @JsonPropertyDescription("Per node, a token bucket.")
    public Integer maxPerSecond;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Drain {
    @JsonPropertyDescription("Keep (today's behaviour), Close (at once) or Drain (close after within).")
    public String mode;
    public String within;
  }

  /** An ancestor as Gateway API policies name it (a ParentReference): usually a Gateway. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AncestorRef {
    public String group;
    public String kind;
    public String namespace;
    public String name;
    public String sectionName;
    public Integer port;
  }

  /** status.ancestors[]: one entry per ancestor Gateway and controller, as Gateway API policies report. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status {
    public List<Ancestor> ancestors;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Ancestor {
    public AncestorRef ancestorRef;
    public String controllerName;
    public List<Condition> conditions;
  }
}
