package dev.passage.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.passage.control.GatewayServices;
import dev.passage.resources.KubernetesSource;
import dev.passage.resources.StatusPatcher;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads every manifest in k8s/ into the fabric8 model and checks what would break silently on a
 * cluster: probes and ports against the configuration, labels against selectors, and RBAC against
 * every resource and verb the code uses.
 */
class ManifestsTest {
  static final List<HasMetadata> objects = new ArrayList<>();
  static final Config config = ConfigFactory.load();
  static StatefulSet sts;
  static Container container;
  static Map<String, String> podLabels;

  @BeforeAll
  static void load() throws IOException {
    KubernetesSerialization serialization = new KubernetesSerialization();
    try (Stream<Path> files = Files.walk(Path.of("k8s"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (String doc : Files.readString(f).split("(?m)^---\\s*$")) {
          if (doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) continue;
          HasMetadata obj = serialization.unmarshal(doc);
          assertFalse(obj instanceof GenericKubernetesResource, f + ": a kind the model does not know: " + obj.getKind());
          objects.add(obj);
        }
      }
    }
    sts = one(StatefulSet.class);
    container = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
    podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
  }

  static <T> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T> T one(Class<T> type) {
    List<T> found = all(type);
    assertEquals(1, found.size(), "one " + type.getSimpleName());
    return found.get(0);
  }

  static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return !selector.isEmpty() && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  static String env(String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
  }

  static ContainerPort port(String name) {
    return container.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  @Test
  void probesAndPortsAgreeWithTheConfiguration() {
    assertEquals(config.getInt("pekko.management.http.port"), port("management").getContainerPort());
    assertEquals(Integer.parseInt(env("PASSAGE_REMOTING_PORT")), port("remoting").getContainerPort());
    Probe readiness = container.getReadinessProbe();
    Probe liveness = container.getLivenessProbe();
    assertEquals("/" + config.getString("pekko.management.health-checks.readiness-path"), readiness.getHttpGet().getPath());
    assertEquals("/" + config.getString("pekko.management.health-checks.liveness-path"), liveness.getHttpGet().getPath());
    assertEquals("management", readiness.getHttpGet().getPort().getStrVal());
    assertEquals("management", liveness.getHttpGet().getPort().getStrVal());
    // bootstrap finds the management port by this name on the pods
    port(config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.port-name"));
    assertEquals("bootstrap", env("PASSAGE_CLUSTER_JOIN"));
    assertNotNull(container.getEnv().stream().filter(e -> e.getName().equals("PASSAGE_NODE_HOST")).findFirst()
        .orElseThrow().getValueFrom().getFieldRef(), "the pod IP is advertised");
    assertTrue(Integer.parseInt(env("PASSAGE_REQUIRED_CONTACT_POINTS")) <= sts.getSpec().getReplicas());
    assertEquals("Parallel", sts.getSpec().getPodManagementPolicy(), "OrderedReady would deadlock the bootstrap");
    assertNotNull(container.getLifecycle().getPreStop(), "a preStop that drains");
  }

  @Test
  void labelsMatchEverySelector() {
    assertTrue(selects(sts.getSpec().getSelector().getMatchLabels(), podLabels), "StatefulSet selector");
    Service headless = all(Service.class).stream().filter(s -> s.getMetadata().getName().equals(sts.getSpec().getServiceName()))
        .findFirst().orElseThrow(() -> new AssertionError("the StatefulSet's serviceName has no Service"));
    assertEquals("None", headless.getSpec().getClusterIP());
    assertTrue(selects(headless.getSpec().getSelector(), podLabels), "headless Service selector");
    headless.getSpec().getPorts().forEach(p -> port(p.getTargetPort().getStrVal()));
    assertTrue(selects(one(PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels(), podLabels), "PDB");
    // the Services Passage creates for Gateways select the pods with passage.kubernetes.pod-selector
    Map<String, String> gatewayServiceSelector =
        dev.passage.config.PassageSettings.from(config).kubernetes().placement().podSelector();
    assertTrue(selects(gatewayServiceSelector, podLabels), "passage.kubernetes.pod-selector " + gatewayServiceSelector);
    // Cluster Bootstrap's discovery: pod-label-selector with %s = service-name
    String selector = config.getString("pekko.discovery.kubernetes-api.pod-label-selector")
        .formatted(config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name"));
    String[] kv = selector.split("=");
    assertEquals(kv[1], podLabels.get(kv[0]), "discovery selector " + selector);
  }

  @Test
  void rbacCoversEveryResourceAndVerbTheCodeUses() {
    ServiceAccount account = one(ServiceAccount.class);
    assertEquals(account.getMetadata().getName(), sts.getSpec().getTemplate().getSpec().getServiceAccountName());
    ClusterRole role = one(ClusterRole.class);
    ClusterRoleBinding binding = one(ClusterRoleBinding.class);
    assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
    assertTrue(binding.getSubjects().stream().anyMatch(s -> s.getName().equals(account.getMetadata().getName())
        && s.getNamespace().equals(account.getMetadata().getNamespace())));
    for (String resource : KubernetesSource.watchedResources()) {
      String group = resource.substring(0, resource.indexOf('/'));
      String plural = resource.substring(resource.indexOf('/') + 1);
      for (String verb : List.of("get", "list", "watch")) assertAllowed(role.getRules(), group, plural, verb);
    }
    for (var kind : StatusPatcher.STATUS_KINDS) {
      assertAllowed(role.getRules(), "gateway.networking.k8s.io", StatusPatcher.plural(kind) + "/status", "update");
    }
    for (String verb : GatewayServices.SERVICE_VERBS) assertAllowed(role.getRules(), "", "services", verb);
    assertAllowed(role.getRules(), "", "events", "create");

    Role discovery = one(Role.class);
    assertEquals(sts.getMetadata().getNamespace(), discovery.getMetadata().getNamespace(), "pods are read in Passage's namespace");
    for (String verb : List.of("get", "list", "watch")) assertAllowed(discovery.getRules(), "", "pods", verb);
    RoleBinding rb = one(RoleBinding.class);
    assertEquals(discovery.getMetadata().getName(), rb.getRoleRef().getName());
    assertTrue(rb.getSubjects().stream().anyMatch(s -> s.getName().equals(account.getMetadata().getName())));
  }

  static void assertAllowed(List<PolicyRule> rules, String group, String resource, String verb) {
    boolean allowed = rules.stream().anyMatch(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource)
        && r.getVerbs().contains(verb));
    assertTrue(allowed, "RBAC does not allow " + verb + " on " + (group.isEmpty() ? "" : group + "/") + resource);
  }

  @Test
  void theGatewayClassAndTheExamplesNamePassage() {
    GatewayClass gc = one(GatewayClass.class);
    assertEquals(config.getString("passage.controller-name"), gc.getSpec().getControllerName());
    List<Gateway> gateways = all(Gateway.class);
    assertFalse(gateways.isEmpty(), "the examples hold a Gateway");
    gateways.forEach(g -> assertEquals(gc.getMetadata().getName(), g.getSpec().getGatewayClassName()));
  }

  /** The JVM settings Passage is measured with are the ones every documented start uses. */
  @Test
  void everyStartUsesTheMeasuredJvmOptions() throws Exception {
    java.nio.file.Path options = java.nio.file.Path.of("config/jvm.options");
    assertTrue(java.nio.file.Files.exists(options), "config/jvm.options");
    String dockerfile = java.nio.file.Files.readString(java.nio.file.Path.of("k8s/Dockerfile"));
    assertTrue(dockerfile.contains("COPY config/jvm.options /opt/passage/jvm.options"), "the image holds the file");
    assertTrue(dockerfile.contains("\"java\", \"@/opt/passage/jvm.options\""), "the image starts java with it");
    assertTrue(container.getEnv().stream().map(EnvVar::getName)
            .noneMatch(n -> n.equals("JAVA_TOOL_OPTIONS") || n.equals("JAVA_OPTS") || n.equals("JDK_JAVA_OPTIONS")),
        "the StatefulSet does not override them");
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
    assertTrue(readme.contains("java @config/jvm.options -jar target/passage.jar --resources config/resources"),
        "the README's run command uses them");
    // and this Java accepts them
    Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + options, "-version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }
}
