package dev.passage.table;

import java.util.List;

/**
 * What TrafficPolicies targeting a Service ask of the connections to one of its ports, as the
 * route table carries it beside the port's endpoints: a PROXY protocol v2 header with these TLVs
 * (proxyProtocolTlvs null: no header), active health checks of each endpoint, and ejection after
 * consecutive connect failures (null: none). policies names where the fields came from.
 */
public record BackendPolicy(List<String> policies, List<String> proxyProtocolTlvs, HealthCheck healthCheck,
                            OutlierDetection outlierDetection) {
  public static final String AUTHORITY = "Authority";
  public static final String ALPN = "ALPN";
  public static final String UNIQUE_ID = "UniqueID";

  public BackendPolicy {
    policies = List.copyOf(policies);
    proxyProtocolTlvs = proxyProtocolTlvs == null ? null : List.copyOf(proxyProtocolTlvs);
  }

  /** Each endpoint checked every interval: a TCP connect, or a TLS handshake with tlsSni when set. */
  public record HealthCheck(long intervalMillis, long timeoutMillis, int unhealthyThreshold, int healthyThreshold,
                            String tlsSni) {}

  public record OutlierDetection(int consecutiveConnectFailures, long ejectionMillis, int maxEjectedPercent) {}

  public boolean proxyProtocol() {
    return proxyProtocolTlvs != null;
  }
}
