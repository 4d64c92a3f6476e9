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
    return doc;
  }
}
