package dev.passage.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class YamlDocumentsTest {
  private final YamlDocuments parser = new YamlDocuments();

  @Test
  void everyTlsRouteVersionBecomesOneView() {
    String doc = """
        apiVersion: gateway.networking.k8s.io/%s
        kind: TLSRoute
        metadata:
          name: r
          namespace: ns
        spec:
          parentRefs:
          - name: gw
            sectionName: tls
          hostnames: ["a.example.com"]
          rules:
          - backendRefs:
            - name: svc
              port: 8443
              weight: 3
        """;
    for (String version : List.of("v1alpha2", "v1alpha3", "v1")) {
      YamlDocuments.Result r = parser.parse("routes.yaml", doc.formatted(version));
      assertEquals(List.of(), r.errors());
      RouteView route = assertInstanceOf(RouteView.class, r.resources().get(0));
      assertEquals(List.of("a.example.com"), route.hostnames());
      assertEquals(new RouteView.ParentRef("gateway.networking.k8s.io", "Gateway", null, "gw", "tls", null),
          route.parentRefs().get(0));
      assertEquals(new RouteView.BackendRef("", "Service", null, "svc", 8443, 3), route.backendRefs().get(0));
    }
  }

  @Test
  void aBadDocumentIsReportedWithFileAndLineAndTheOthersLoad() {
    String text = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: first
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: [unclosed
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: third
        """;
    YamlDocuments.Result r = parser.parse("bad.yaml", text);
    assertEquals(List.of("first", "third"), r.resources().stream().map(x -> x.meta().name()).toList());
    assertEquals(1, r.errors().size());
    String error = r.errors().get(0);
    assertTrue(error.startsWith("bad.yaml:9:") || error.startsWith("bad.yaml:10:"), error);
  }

  @Test
  void aTrafficPolicyIsReadAndAMisspeltFieldIsNamedWithWhatItCouldBe() {
    String text = """
        apiVersion: passage.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: good, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: api}]
          proxyProtocol: {version: V2, tlvs: [Authority]}
        ---
        apiVersion: passage.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: typo, namespace: default}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: TLSRoute, name: api}]
          conections: {maxConcurrent: 1}
        """;
    YamlDocuments.Result r = new YamlDocuments().parse("policies.yaml", text);
    assertEquals(1, r.resources().size(), r.errors().toString());
    TrafficPolicyView p = (TrafficPolicyView) r.resources().get(0);
    assertEquals(List.of("Authority"), p.proxyProtocol().tlvs());
    assertEquals(List.of("policies.yaml:8: unknown field conections in spec (known: connections, drain, healthCheck,"
        + " outlierDetection, proxyProtocol, targetRefs)"), r.errors());
  }

  @Test
  void kindsPassageDoesNotReadAreIgnoredNotErrors() {
    YamlDocuments.Result r = parser.parse("sa.yaml", """
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: c
        """);
    assertEquals(List.of(), r.errors());
    assertEquals(List.of(), r.resources());
    assertEquals(1, r.ignored().size());
  }

  @Test
  void aYamlErrorSaysWhatTheParserExpectedAndFound() {
    YamlDocuments.Result r = parser.parse("indent.yaml", """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: a
         labels: {}
        """);
    assertEquals(1, r.errors().size(), r.errors().toString());
    String error = r.errors().get(0);
    assertTrue(error.contains("expected") && error.contains("but found"), "the parser's problem, not only its context: " + error);
  }

  @Test
  void aMisspeltKindIsAnErrorNotSilence() {
    YamlDocuments.Result r = parser.parse("routes.yaml", """
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSroute
        metadata:
          name: r
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata:
          name: g
        """);
    assertEquals(2, r.errors().size(), r.errors().toString());
    assertTrue(r.errors().get(0).startsWith("routes.yaml:1: unknown kind TLSroute") && r.errors().get(0).contains("did you mean TLSRoute?"),
        r.errors().get(0));
    assertTrue(r.errors().get(1).startsWith("routes.yaml:6: kind GRPCRoute of gateway.networking.k8s.io/v1 is not one Passage reads"),
        r.errors().get(1));
    assertEquals(List.of(), r.ignored());
  }
}
