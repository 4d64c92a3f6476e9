package dev.passage.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Terminate listeners are served where the mode's data plane terminates TLS (standalone, which
 * reads the certificates from the folder): there they are accepted and the GatewayClass advertises
 * TLSRouteModeTerminate and TLSRouteModeMixed; in Kubernetes mode, which does not read the
 * Secrets on every node yet, the listener says so (UnsupportedValue) and neither is advertised.
 */
class TerminateModeRulesTest {
  static final RulesSettings KUBERNETES = RulesSettings.kubernetes(RulesSettings.DEFAULT_CONTROLLER_NAME,
      new RulesSettings.Kubernetes("0.0.0.0", 20000, 20010, "LoadBalancer", Map.of("app", "passage")));

  @Test
  void kubernetesModeRefusesTerminateListenersAndDoesNotAdvertiseTheFeatures() throws Exception {
    Reconciliation r = Reconciler.reconcile(GoldenRulesTest.inputsOf(Path.of("src/test/resources/rules/mixed-termination")),
        KUBERNETES);
    String doc = dev.passage.ops.Json.JSON.writeValueAsString(GoldenRulesTest.document(r));
    assertTrue(doc.contains("tls.mode Terminate is served in standalone mode only, so far"), doc);
    assertTrue(!doc.contains("TLSRouteModeTerminate") && !doc.contains("TLSRouteModeMixed"), doc);
    Reconciliation standalone = Reconciler.reconcile(
        GoldenRulesTest.inputsOf(Path.of("src/test/resources/rules/mixed-termination")), GoldenRulesTest.SETTINGS);
    String sdoc = dev.passage.ops.Json.JSON.writeValueAsString(GoldenRulesTest.document(standalone));
    assertTrue(sdoc.contains("TLSRouteModeTerminate") && sdoc.contains("TLSRouteModeMixed"), "the premise: standalone advertises them");
    assertEquals(false, sdoc.contains("served in standalone mode only"));
  }
}
