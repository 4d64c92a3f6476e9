package dev.passage.ops;

import dev.passage.resources.ObjectKey;
import dev.passage.table.BindAddress;
import dev.passage.table.GatewayTable;
import dev.passage.table.RouteTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The documents the management routes serve, as plain values for the JSON mapper. */
public final class Documents {
  private Documents() {}

  /** One object's status, in the shape Kubernetes would store it under .status. */
  public record ObjectStatus(String kind, String namespace, String name, Object status) {}

  /**
   * tls: the TLS implementation terminating connections here; sessionTickets: where its
   * session-ticket keys come from (and their public ids); endpoints: the ready endpoints of
   * each Service port the routes name ("namespace/service:port"); backendPolicies: what TrafficPolicies
   * ask of connections to a Service port; endpointHealth: this node's view of the endpoints they
   * check or eject ("namespace/service:port host:port").
   */
  public record Routes(boolean ready, int activeConnections, String tls, String sessionTickets, Map<String, String> listeners,
                       List<GatewayTable> gateways, Map<String, List<dev.passage.table.ResolvedBackend.Endpoint>> endpoints,
                       Map<String, dev.passage.table.BackendTls> backendTls, Map<String, String> backendClientCertificates,
                       Map<String, dev.passage.table.BackendPolicy> backendPolicies,
                       Map<String, Map<String, Object>> endpointHealth) {}

  public static List<ObjectStatus> statuses(Map<ObjectKey, Object> statuses) {
    List<ObjectStatus> out = new ArrayList<>();
    statuses.forEach((k, v) -> out.add(new ObjectStatus(k.kind().kindName(),
        k.namespace().isEmpty() ? null : k.namespace(), k.name(), v)));
    return out;
  }

  public static Routes routes(boolean ready, int activeConnections, String tls, String sessionTickets, RouteTable table,
                              Map<BindAddress, String> bindings, Map<String, Map<String, Object>> endpointHealth) {
    Map<String, String> listeners = new LinkedHashMap<>();
    bindings.forEach((k, v) -> listeners.put(k.toString(), v));
    Map<String, List<dev.passage.table.ResolvedBackend.Endpoint>> endpoints = new LinkedHashMap<>();
    table.allEndpoints().forEach((k, v) -> endpoints.put(k.toString(), v));
    Map<String, dev.passage.table.BackendTls> backendTls = new LinkedHashMap<>();
    table.allBackendTls().forEach((k, v) -> backendTls.put(k.toString(), v));
    Map<String, dev.passage.table.BackendPolicy> backendPolicies = new LinkedHashMap<>();
    table.allBackendPolicies().forEach((k, v) -> backendPolicies.put(k.toString(), v));
    Map<String, String> clientCertificates = new LinkedHashMap<>();
    table.backendClientCertificates().forEach((k, v) -> clientCertificates.put(k.toString(), v.toString()));
    return new Routes(ready, activeConnections, tls, sessionTickets, listeners, new ArrayList<>(table.gateways().values()),
        endpoints, backendTls, clientCertificates, backendPolicies, endpointHealth);
  }
}
