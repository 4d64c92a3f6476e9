package dev.passage.testkit;

import dev.passage.ops.Documents;
import dev.passage.rules.Reconciliation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the rules concluded, as one document to compare and to read in a diff: statuses, tables, endpoints. */
public final class Outcomes {
  private Outcomes() {}

  public static Map<String, Object> document(Reconciliation r) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("statuses", Documents.statuses(r.statuses()));
    doc.put("routeTable", new ArrayList<>(r.table().gateways().values()));
    Map<String, Object> endpoints = new LinkedHashMap<>();
    r.table().allEndpoints().forEach((k, v) -> endpoints.put(k.toString(), v));
    doc.put("endpoints", endpoints);
    Map<String, Object> backendTls = new LinkedHashMap<>();
    r.table().allBackendTls().forEach((k, v) -> backendTls.put(k.toString(), v));
    if (!backendTls.isEmpty()) doc.put("backendTls", backendTls);
    Map<String, Object> backendPolicies = new LinkedHashMap<>();
    r.table().allBackendPolicies().forEach((k, v) -> backendPolicies.put(k.toString(), v));
    if (!backendPolicies.isEmpty()) doc.put("backendPolicies", backendPolicies);
    Map<String, Object> clientCertificates = new LinkedHashMap<>();
    r.table().backendClientCertificates().forEach((k, v) -> clientCertificates.put(k.toString(), v.toString()));
    if (!clientCertificates.isEmpty()) doc.put("backendClientCertificates", clientCertificates);
    return doc;
  }
}
