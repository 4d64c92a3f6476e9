package dev.passage.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The TrafficPolicy CRD that the build generates from resources/api/TrafficPolicy (fabric8's
 * crd-generator) has exactly the API issue 24 gives: its group, version, kind and scope, and every
 * field of the spec at its place with its type. The Kustomize base installs a copy of it, which must be the same
 * bytes: a changed API class fails here until the copy is refreshed (cp the generated file to
 * k8s/base/crds/).
 */
class TrafficPolicyCrdTest {
  static final Path GENERATED = Path.of("target/classes/META-INF/fabric8/trafficpolicies.passage.dev-v1.yml");

  /** Every property path of a schema with its type ("spec.drain.mode" -> "string"). */
  static void fields(String prefix, JsonNode schema, Map<String, String> out) {
    JsonNode props = schema.path("properties");
    for (var e : props.properties()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JsonNode p = e.getValue();
      out.put(path, p.path("type").asText());
      if (p.has("properties")) fields(path, p, out);
      if (p.path("items").has("properties")) fields(path + "[]", p.path("items"), out);
    }
  }

  @Test
  void theGeneratedCrdHasTheIssuesShape() throws Exception {
    JsonNode crd = Json.YAML.readTree(Files.readString(GENERATED));
    assertEquals("trafficpolicies.passage.dev", crd.path("metadata").path("name").asText());
    JsonNode spec = crd.path("spec");
    assertEquals("passage.dev", spec.path("group").asText());
    assertEquals("TrafficPolicy", spec.path("names").path("kind").asText());
    assertEquals("Namespaced", spec.path("scope").asText());
    JsonNode version = spec.path("versions").get(0);
    assertEquals("v1alpha1", version.path("name").asText());
    Map<String, String> got = new TreeMap<>();
    fields("", version.path("schema").path("openAPIV3Schema").path("properties").path("spec"), got);
    Map<String, String> want = new TreeMap<>(Map.ofEntries(
        Map.entry("targetRefs", "array"), Map.entry("targetRefs[].group", "string"), Map.entry("targetRefs[].kind", "string"),
        Map.entry("targetRefs[].name", "string"), Map.entry("targetRefs[].sectionName", "string"),
        Map.entry("proxyProtocol", "object"), Map.entry("proxyProtocol.version", "string"), Map.entry("proxyProtocol.tlvs", "array"),
        Map.entry("healthCheck", "object"), Map.entry("healthCheck.interval", "string"), Map.entry("healthCheck.timeout", "string"),
        Map.entry("healthCheck.unhealthyThreshold", "integer"), Map.entry("healthCheck.healthyThreshold", "integer"),
        Map.entry("healthCheck.tls", "object"), Map.entry("healthCheck.tls.sni", "string"),
        Map.entry("outlierDetection", "object"), Map.entry("outlierDetection.consecutiveConnectFailures", "integer"),
        Map.entry("outlierDetection.ejectionTime", "string"), Map.entry("outlierDetection.maxEjectedPercent", "integer"),
        Map.entry("connections", "object"), Map.entry("connections.maxConcurrent", "integer"),
        Map.entry("connections.maxPerSecond", "integer"),
        Map.entry("drain", "object"), Map.entry("drain.mode", "string"), Map.entry("drain.within", "string")));
    List<String> diff = new ArrayList<>();
    want.forEach((k, v) -> { if (!v.equals(got.get(k))) diff.add(k + ": want " + v + ", got " + got.get(k)); });
    got.keySet().stream().filter(k -> !want.containsKey(k)).forEach(k -> diff.add(k + ": not in the issue's API"));
    assertEquals(List.of(), diff);
    // status.ancestors[] as Gateway API policies report
    Map<String, String> status = new TreeMap<>();
    fields("", version.path("schema").path("openAPIV3Schema").path("properties").path("status"), status);
    assertEquals("array", status.get("ancestors"));
    assertEquals("string", status.get("ancestors[].controllerName"));
  }

  @Test
  void theKustomizeBaseInstallsTheGeneratedCrd() throws Exception {
    assertEquals(Files.readString(GENERATED), Files.readString(Path.of("k8s/base/crds/trafficpolicies.passage.dev-v1.yml")),
        "k8s/base/crds/ differs from the generated CRD: copy " + GENERATED + " there");
  }
}
