package dev.passage.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.passage.control.GatewayServices;
import dev.passage.resources.KubernetesSource;
import dev.passage.resources.StatusPatcher;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Builds every overlay in k8s/overlays with {@code kubectl kustomize} (what {@code kubectl apply -k}
 * applies), reads the result into the fabric8 model and checks what would break silently on a
 * cluster: probes and ports against the configuration, labels against selectors, RBAC against
 * every resource and verb the code uses, the settings file against Passage's settings, the
 * security context; and that the tutorial's backendRefs find the Services of examples/backends.yaml.
 */
class ManifestsTest {
  static final Path K8S = Path.of("k8s");
  static final Config config = ConfigFactory.load();

  /** One overlay, built. */
  record Overlay(String name, List<HasMetadata> objects) {
    <T> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T> T one(Class<T> type) {
      List<T> found = all(type);
      assertEquals(1, found.size(), name + ": one " + type.getSimpleName());
      return found.get(0);
    }

    StatefulSet sts() {
      return one(StatefulSet.class);
    }

    Container container() {
      return sts().getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    Map<String, String> podLabels() {
      return sts().getSpec().getTemplate().getMetadata().getLabels();
    }

    String env(String name) {
      return container().getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
          .orElse(null);
    }

    ContainerPort port(String portName) {
      return container().getPorts().stream().filter(p -> portName.equals(p.getName())).findFirst()
          .orElseThrow(() -> new AssertionError(name + ": no container port named " + portName));
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static final Map<String, Overlay> built = new java.util.TreeMap<>();

  @BeforeAll
  static void build() throws Exception {
    try (Stream<Path> dirs = Files.list(K8S.resolve("overlays"))) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        String name = dir.getFileName().toString();
        built.put(name, new Overlay(name, parse(kustomize(dir), dir.toString())));
      }
    }
    assertEquals(java.util.Set.of("namespaced", "production", "single"), built.keySet(), "the overlays the README names");
  }

  static Stream<Overlay> overlays() {
    return built.values().stream();
  }

  /** kubectl kustomize DIR: the manifests kubectl apply -k DIR would apply. */
  static String kustomize(Path dir) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("kubectl is needed to build the overlays (kubectl kustomize): " + e.getMessage(), e);
    }
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "kubectl kustomize " + dir + ":\n" + out);
    return out;
  }

  static List<HasMetadata> parse(String yaml, String from) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) continue;
      HasMetadata obj = serialization.unmarshal(doc);
      assertFalse(obj instanceof GenericKubernetesResource, from + ": a kind the model does not know: " + obj.getKind());
      objects.add(obj);
    }
    return objects;
  }

  static List<HasMetadata> example(String file) throws IOException {
    return parse(Files.readString(K8S.resolve("examples").resolve(file)), file);
  }

  static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return !selector.isEmpty() && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void probesAndPortsAgreeWithTheConfiguration(Overlay o) {
    Container container = o.container();
    assertEquals(config.getInt("pekko.management.http.port"), o.port("management").getContainerPort());
    assertEquals(Integer.parseInt(o.env("PASSAGE_REMOTING_PORT")), o.port("remoting").getContainerPort());
    Probe readiness = container.getReadinessProbe();
    Probe liveness = container.getLivenessProbe();
    assertEquals("/" + config.getString("pekko.management.health-checks.readiness-path"), readiness.getHttpGet().getPath());
    assertEquals("/" + config.getString("pekko.management.health-checks.liveness-path"), liveness.getHttpGet().getPath());
    assertEquals("management", readiness.getHttpGet().getPort().getStrVal());
    assertEquals("management", liveness.getHttpGet().getPort().getStrVal());
    // bootstrap finds the management port by this name on the pods
    o.port(config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.port-name"));
    assertEquals("bootstrap", o.env("PASSAGE_CLUSTER_JOIN"));
    assertNotNull(container.getEnv().stream().filter(e -> e.getName().equals("PASSAGE_NODE_HOST")).findFirst()
        .orElseThrow().getValueFrom().getFieldRef(), "the pod IP is advertised");
    assertEquals("Parallel", o.sts().getSpec().getPodManagementPolicy(), "OrderedReady would deadlock the bootstrap");
    assertNotNull(container.getLifecycle().getPreStop(), "a preStop that drains");
  }

  /** The contact points follow the replicas: no number in the manifest that scaling would contradict. */
  @ParameterizedTest
  @MethodSource("overlays")
  void theBootstrapCountsTheStatefulSetsReplicas(Overlay o) {
    assertEquals(o.name().equals("single") ? 1 : 3, o.sts().getSpec().getReplicas());
    assertNull(o.env("PASSAGE_REQUIRED_CONTACT_POINTS"), "a fixed count would contradict a scaled StatefulSet");
    assertEquals(o.sts().getMetadata().getName(), o.env("PASSAGE_STATEFULSET"));
    assertEquals("metadata.namespace", o.container().getEnv().stream().filter(e -> e.getName().equals("PASSAGE_NAMESPACE"))
        .findFirst().orElseThrow().getValueFrom().getFieldRef().getFieldPath());
    Role role = o.all(Role.class).stream().filter(r -> r.getMetadata().getNamespace().equals(o.sts().getMetadata().getNamespace()))
        .findFirst().orElseThrow();
    assertAllowed(role.getRules(), "apps", "statefulsets", "get");
    // one pod at a time may go, whatever the count: minAvailable would block every drain of a single replica
    PodDisruptionBudget pdb = o.one(PodDisruptionBudget.class);
    assertNull(pdb.getSpec().getMinAvailable());
    assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void settingsComeFromTheConfigMapMountedAsConfig(Overlay o) {
    Container c = o.container();
    assertEquals(List.of("--config", "/etc/passage/passage.conf"), c.getArgs());
    VolumeMount mount = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/etc/passage")).findFirst()
        .orElseThrow(() -> new AssertionError(o + ": nothing mounted at /etc/passage"));
    String configMapName = o.sts().getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow().getConfigMap().getName();
    ConfigMap cm = o.all(ConfigMap.class).stream().filter(m -> m.getMetadata().getName().equals(configMapName)).findFirst()
        .orElseThrow(() -> new AssertionError(o + ": the StatefulSet mounts ConfigMap " + configMapName + ", which is not there"));
    assertEquals(o.sts().getMetadata().getNamespace(), cm.getMetadata().getNamespace());
    String file = cm.getData().get("passage.conf");
    assertNotNull(file, o + ": passage.conf in the ConfigMap");
    // Passage reads it the way main does: it parses, and the settings it makes are valid
    Config read = ConfigFactory.parseString(file).withFallback(config).resolve();
    var settings = dev.passage.config.PassageSettings.from(read);
    assertEquals(o.name().equals("single") ? "NodePort" : "LoadBalancer", settings.kubernetes().placement().serviceType());
    String format = o.env("PASSAGE_LOG_FORMAT");
    assertTrue(List.of("text", "json").contains(format), o + ": PASSAGE_LOG_FORMAT " + format);
    assertTrue(List.of("DEBUG", "INFO", "WARN").contains(o.env("PASSAGE_LOG_LEVEL")), o + ": PASSAGE_LOG_LEVEL");
  }

  /** An overlay's passage.conf read as Passage reads it: layered over the defaults, then resolved. */
  static Config settingsOf(Overlay o) {
    String file = o.all(ConfigMap.class).stream().filter(m -> m.getData() != null && m.getData().containsKey("passage.conf"))
        .findFirst().orElseThrow().getData().get("passage.conf");
    return dev.passage.Passage.layered(ConfigFactory.parseString(file));
  }

  /**
   * The nodes talk over mutual TLS: tls-tcp through Passage's RemotingTls, and the three files
   * Pekko reads are where the StatefulSet mounts the Secret passage-remoting-tls (the shape
   * cert-manager writes and k8s/remoting-tls makes).
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void theNodesTalkOverMutualTlsWithTheMountedSecret(Overlay o) throws Exception {
    Config c = settingsOf(o);
    assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"));
    assertEquals(dev.passage.cluster.RemotingTls.class.getName(), c.getString("pekko.remote.artery.ssl.ssl-engine-provider"));
    var mount = o.container().getVolumeMounts().stream().filter(m -> m.getName().equals("remoting-tls")).findFirst()
        .orElseThrow(() -> new AssertionError(o + ": no remoting-tls mount"));
    assertEquals(Boolean.TRUE, mount.getReadOnly());
    String engine = "pekko.remote.artery.ssl.rotating-keys-engine.";
    for (String f : List.of("key-file:tls.key", "cert-file:tls.crt", "ca-cert-file:ca.crt")) {
      String[] kv = f.split(":");
      assertEquals(mount.getMountPath() + "/" + kv[1], c.getString(engine + kv[0]), o + ": " + kv[0] + " in the mounted Secret");
    }
    var volume = o.sts().getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals("remoting-tls"))
        .findFirst().orElseThrow();
    assertEquals("passage-remoting-tls", volume.getSecret().getSecretName());
    // the Secret both ways of making it name
    String certManager = Files.readString(K8S.resolve("remoting-tls/cert-manager.yaml"));
    assertTrue(certManager.contains("secretName: passage-remoting-tls") && certManager.contains("encoding: PKCS8"));
    assertTrue(Files.readString(K8S.resolve("remoting-tls/make-secret.sh")).contains("secret generic passage-remoting-tls"));
  }

  /**
   * The admin API is not reachable from outside the pod: the management port listens beyond
   * loopback (probes, bootstrap, Prometheus), so /passage/* moves to passage.admin, on loopback,
   * which is no container port.
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void theAdminApiStaysInsideThePod(Overlay o) {
    // the pod's environment over its settings file, as the JVM there sees them
    Config c = ConfigFactory.parseMap(Map.of("pekko.management.http.bind-hostname", o.env("PASSAGE_MANAGEMENT_BIND")))
        .withFallback(settingsOf(o));
    assertFalse(dev.passage.ops.AdminApi.onManagementPort(c), o + ": the management port listens beyond loopback");
    assertEquals("127.0.0.1", c.getString("passage.admin.hostname"));
    int admin = c.getInt("passage.admin.port");
    assertTrue(o.container().getPorts().stream().noneMatch(p -> p.getContainerPort() == admin), o + ": the admin port is no container port");
    assertNull(o.env("PASSAGE_ADMIN_HOST"), o + ": nothing moves the admin API off loopback");
  }

  /**
   * The NetworkPolicy selects Passage's pods and lets in: the remoting port from Passage's pods
   * only; the management port from Passage's pods and the monitoring namespace; the listener
   * port range of the overlay's settings, TCP and UDP, from anywhere; nothing else.
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void theNetworkPolicyOpensWhatEachPortIsFor(Overlay o) {
    var policy = o.one(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class);
    assertEquals(o.sts().getMetadata().getNamespace(), policy.getMetadata().getNamespace());
    assertEquals(o.podLabels().entrySet().stream().filter(e -> e.getKey().equals("app.kubernetes.io/name")).findFirst()
        .map(e -> Map.of(e.getKey(), e.getValue())).orElseThrow(), policy.getSpec().getPodSelector().getMatchLabels());
    assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
    int remotingPort = o.port("remoting").getContainerPort();
    int managementPort = o.port("management").getContainerPort();
    Config c = settingsOf(o);
    int start = c.getInt("passage.kubernetes.port-range-start");
    int end = c.getInt("passage.kubernetes.port-range-end");
    boolean remoting = false, management = false, monitoring = false, tcp = false, udp = false;
    for (var rule : policy.getSpec().getIngress()) {
      var from = rule.getFrom();
      for (var port : rule.getPorts()) {
        int p = port.getPort().getIntVal();
        if (p == remotingPort) {
          assertEquals(1, from.size(), "remoting: one source");
          assertTrue(selects(from.get(0).getPodSelector().getMatchLabels(), o.podLabels()), "remoting from Passage's pods");
          assertNull(from.get(0).getNamespaceSelector(), "remoting from this namespace only");
          remoting = true;
        } else if (p == managementPort) {
          assertFalse(from == null || from.isEmpty(), "management not from anywhere");
          for (var peer : from) {
            if (peer.getPodSelector() != null) management |= selects(peer.getPodSelector().getMatchLabels(), o.podLabels());
            if (peer.getNamespaceSelector() != null) monitoring = true;
          }
        } else if (p == start) {
          assertTrue(from == null || from.isEmpty(), "the listeners from anywhere");
          assertEquals(end, port.getEndPort(), "the whole range the Gateways' Services point into");
          if ("TCP".equals(port.getProtocol())) tcp = true;
          if ("UDP".equals(port.getProtocol())) udp = true;
        } else {
          throw new AssertionError(o + ": a port the policy opens for nothing Passage serves: " + p);
        }
      }
    }
    assertTrue(remoting && management && monitoring && tcp && udp,
        o + ": remoting " + remoting + ", management " + management + ", monitoring " + monitoring + ", TCP " + tcp + ", UDP " + udp);
  }

  /** The logback appenders PASSAGE_LOG_FORMAT chooses between exist. */
  @Test
  void everyLogFormatHasItsAppender() throws IOException {
    String logback = Files.readString(Path.of("src/main/resources/logback.xml"));
    for (String format : List.of("text", "json")) assertTrue(logback.contains("<appender name=\"" + format + "\""), format);
    assertTrue(logback.contains("<appender-ref ref=\"${PASSAGE_LOG_FORMAT:-text}\"/>"));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void thePodsRunRestricted(Overlay o) {
    PodSecurityContext pod = o.sts().getSpec().getTemplate().getSpec().getSecurityContext();
    assertEquals(Boolean.TRUE, pod.getRunAsNonRoot());
    assertTrue(pod.getRunAsUser() > 0);
    assertEquals("RuntimeDefault", pod.getSeccompProfile().getType());
    SecurityContext c = o.container().getSecurityContext();
    assertEquals(Boolean.FALSE, c.getAllowPrivilegeEscalation());
    assertEquals(Boolean.TRUE, c.getReadOnlyRootFilesystem());
    assertEquals(List.of("ALL"), c.getCapabilities().getDrop());
    assertTrue(c.getCapabilities().getAdd() == null || c.getCapabilities().getAdd().isEmpty(), "no capability added");
    // with no NET_BIND_SERVICE, every port Passage binds must be above 1023
    assertTrue(o.container().getPorts().stream().allMatch(p -> p.getContainerPort() > 1023));
    assertTrue(config.getInt("passage.kubernetes.port-range-start") > 1023);
    // the JVM writes only to /tmp, which is a volume
    assertTrue(o.container().getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")));
    assertEquals("passage:0.1.0", o.container().getImage(), "the overlay's images entry is applied");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void labelsMatchEverySelector(Overlay o) {
    StatefulSet sts = o.sts();
    Map<String, String> podLabels = o.podLabels();
    assertTrue(selects(sts.getSpec().getSelector().getMatchLabels(), podLabels), "StatefulSet selector");
    Service headless = o.all(Service.class).stream().filter(s -> s.getMetadata().getName().equals(sts.getSpec().getServiceName()))
        .findFirst().orElseThrow(() -> new AssertionError("the StatefulSet's serviceName has no Service"));
    assertEquals("None", headless.getSpec().getClusterIP());
    assertTrue(selects(headless.getSpec().getSelector(), podLabels), "headless Service selector");
    headless.getSpec().getPorts().forEach(p -> o.port(p.getTargetPort().getStrVal()));
    assertTrue(selects(o.one(PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels(), podLabels), "PDB");
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

  @ParameterizedTest
  @MethodSource("overlays")
  void rbacCoversEveryResourceAndVerbTheCodeUses(Overlay o) {
    ServiceAccount account = o.one(ServiceAccount.class);
    assertEquals(account.getMetadata().getName(), o.sts().getSpec().getTemplate().getSpec().getServiceAccountName());
    ClusterRole role = o.one(ClusterRole.class);
    ClusterRoleBinding binding = o.one(ClusterRoleBinding.class);
    assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
    assertTrue(binding.getSubjects().stream().anyMatch(s -> s.getName().equals(account.getMetadata().getName())
        && s.getNamespace().equals(account.getMetadata().getNamespace())));
    // namespaced kinds: the ClusterRole, or with passage.kubernetes.namespaces a Role in each of them (bound to Passage)
    List<String> namespaces = settingsOf(o).getStringList("passage.kubernetes.namespaces");
    for (String resource : KubernetesSource.watchedResources()) {
      String group = resource.substring(0, resource.indexOf('/'));
      String plural = resource.substring(resource.indexOf('/') + 1);
      for (String verb : List.of("get", "list", "watch")) allowed(o, role, namespaces, clusterScoped(plural), group, plural, verb);
    }
    for (var kind : StatusPatcher.STATUS_KINDS) {
      String group = kind == dev.passage.resources.Kind.TRAFFIC_POLICY ? "passage.dev" : "gateway.networking.k8s.io";
      allowed(o, role, namespaces, !kind.namespaced(), group, StatusPatcher.plural(kind) + "/status", "update");
    }
    for (String verb : GatewayServices.SERVICE_VERBS) allowed(o, role, namespaces, false, "", "services", verb);
    allowed(o, role, namespaces, false, "", "events", "create");
    if (!namespaces.isEmpty()) {
      assertTrue(role.getRules().stream().noneMatch(r -> r.getResources().contains("secrets")),
          o + ": confined to its namespaces, Passage may read no Secret of the others");
    }

    Role discovery = o.all(Role.class).stream().filter(r -> r.getMetadata().getNamespace().equals(o.sts().getMetadata().getNamespace()))
        .findFirst().orElseThrow();
    assertEquals(o.sts().getMetadata().getNamespace(), discovery.getMetadata().getNamespace(), "pods are read in Passage's namespace");
    for (String verb : List.of("get", "list", "watch")) assertAllowed(discovery.getRules(), "", "pods", verb);
    RoleBinding rb = o.all(RoleBinding.class).stream()
        .filter(b -> b.getMetadata().getNamespace().equals(o.sts().getMetadata().getNamespace())).findFirst().orElseThrow();
    assertEquals(discovery.getMetadata().getName(), rb.getRoleRef().getName());
    assertTrue(rb.getSubjects().stream().anyMatch(s -> s.getName().equals(account.getMetadata().getName())));
  }

  static boolean clusterScoped(String plural) {
    return plural.equals("gatewayclasses") || plural.equals("namespaces");
  }

  /** A verb the code uses is allowed: by the ClusterRole, or in each watched namespace by a Role bound to Passage's account. */
  static void allowed(Overlay o, ClusterRole clusterRole, List<String> namespaces, boolean clusterScoped, String group,
                      String resource, String verb) {
    if (clusterScoped || namespaces.isEmpty()) {
      assertAllowed(clusterRole.getRules(), group, resource, verb);
      return;
    }
    ServiceAccount account = o.one(ServiceAccount.class);
    for (String ns : namespaces) {
      Role role = o.all(Role.class).stream().filter(r -> r.getMetadata().getNamespace().equals(ns)
          && o.all(RoleBinding.class).stream().anyMatch(b -> b.getMetadata().getNamespace().equals(ns)
              && b.getRoleRef().getName().equals(r.getMetadata().getName())
              && b.getSubjects().stream().anyMatch(sj -> sj.getName().equals(account.getMetadata().getName())
                  && account.getMetadata().getNamespace().equals(sj.getNamespace()))))
          .findFirst().orElseThrow(() -> new AssertionError(o + ": no Role bound to Passage in namespace " + ns));
      assertAllowed(role.getRules(), group, resource, verb);
    }
  }

  static void assertAllowed(List<PolicyRule> rules, String group, String resource, String verb) {
    boolean allowed = rules.stream().anyMatch(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource)
        && r.getVerbs().contains(verb));
    assertTrue(allowed, "RBAC does not allow " + verb + " on " + (group.isEmpty() ? "" : group + "/") + resource);
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theGatewayClassAndTheExamplesNamePassage(Overlay o) throws IOException {
    GatewayClass gc = o.one(GatewayClass.class);
    assertEquals(config.getString("passage.controller-name"), gc.getSpec().getControllerName());
    List<Gateway> gateways = example("tutorial.yaml").stream().filter(Gateway.class::isInstance).map(Gateway.class::cast).toList();
    assertFalse(gateways.isEmpty(), "the examples hold a Gateway");
    gateways.forEach(g -> assertEquals(gc.getMetadata().getName(), g.getSpec().getGatewayClassName()));
  }

  /** So that the README's curls get an answer: every backendRef of the tutorial has a Service with pods behind it. */
  @Test
  void theTutorialsBackendsAreProvided() throws IOException {
    List<HasMetadata> backends = example("backends.yaml");
    List<HasMetadata> tutorial = example("tutorial.yaml");
    List<Service> services = backends.stream().filter(Service.class::isInstance).map(Service.class::cast).toList();
    List<io.fabric8.kubernetes.api.model.apps.Deployment> deployments = backends.stream()
        .filter(io.fabric8.kubernetes.api.model.apps.Deployment.class::isInstance)
        .map(io.fabric8.kubernetes.api.model.apps.Deployment.class::cast).toList();
    int refs = 0;
    for (HasMetadata route : tutorial) {
      if (!route.getKind().equals("TLSRoute")) continue;
      Map<String, Object> spec = new KubernetesSerialization().convertValue(route, Map.class);
      for (Object rule : (List<?>) ((Map<?, ?>) spec.get("spec")).get("rules")) {
        for (Object r : (List<?>) ((Map<?, ?>) rule).get("backendRefs")) {
          Map<?, ?> ref = (Map<?, ?>) r;
          String ns = ref.get("namespace") != null ? (String) ref.get("namespace") : route.getMetadata().getNamespace();
          int port = ((Number) ref.get("port")).intValue();
          Service svc = services.stream().filter(s -> s.getMetadata().getName().equals(ref.get("name"))
              && s.getMetadata().getNamespace().equals(ns)).findFirst()
              .orElseThrow(() -> new AssertionError("no Service " + ns + "/" + ref.get("name") + " in backends.yaml"));
          var servicePort = svc.getSpec().getPorts().stream().filter(p -> p.getPort() == port).findFirst()
              .orElseThrow(() -> new AssertionError(svc.getMetadata().getName() + " has no port " + port));
          var pods = deployments.stream().filter(d -> d.getMetadata().getNamespace().equals(ns)
              && selects(svc.getSpec().getSelector(), d.getSpec().getTemplate().getMetadata().getLabels())).toList();
          assertEquals(1, pods.size(), "one Deployment behind " + svc.getMetadata().getName());
          assertTrue(pods.get(0).getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().stream()
              .anyMatch(p -> servicePort.getTargetPort().getStrVal().equals(p.getName()) && p.getContainerPort() == port),
              svc.getMetadata().getName() + ": its targetPort names the container's port " + port);
          refs++;
        }
      }
    }
    assertTrue(refs >= 7, "the tutorial's backendRefs were found: " + refs);
  }

  /** Prometheus finds every pod: by its annotations, or by the PodMonitor of k8s/monitoring. */
  @ParameterizedTest
  @MethodSource("overlays")
  void everyPodIsScraped(Overlay o) throws IOException {
    Map<String, String> annotations = o.sts().getSpec().getTemplate().getMetadata().getAnnotations();
    assertEquals("true", annotations.get("prometheus.io/scrape"));
    assertEquals(String.valueOf(o.port("management").getContainerPort()), annotations.get("prometheus.io/port"));
    assertEquals("/metrics", annotations.get("prometheus.io/path"));
    GenericKubernetesResource monitor = new KubernetesSerialization().unmarshal(
        Files.readString(K8S.resolve("monitoring/podmonitor.yaml")), GenericKubernetesResource.class);
    assertEquals("PodMonitor", monitor.getKind());
    assertEquals(o.sts().getMetadata().getNamespace(), monitor.getMetadata().getNamespace());
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
    @SuppressWarnings("unchecked")
    Map<String, String> matchLabels = (Map<String, String>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
    assertTrue(selects(matchLabels, o.podLabels()), "the PodMonitor selects the pods");
    @SuppressWarnings("unchecked")
    Map<String, Object> endpoint = ((List<Map<String, Object>>) spec.get("podMetricsEndpoints")).get(0);
    o.port((String) endpoint.get("port"));
    assertEquals("/metrics", endpoint.get("path"));
  }

  /** The JVM settings Passage is measured with are the ones every documented start uses. */
  @Test
  void everyStartUsesTheMeasuredJvmOptions() throws Exception {
    java.nio.file.Path options = java.nio.file.Path.of("config/jvm.options");
    assertTrue(java.nio.file.Files.exists(options), "config/jvm.options");
    String dockerfile = java.nio.file.Files.readString(java.nio.file.Path.of("k8s/Dockerfile"));
    assertTrue(dockerfile.contains("COPY config/jvm.options /opt/passage/jvm.options"), "the image holds the file");
    assertTrue(dockerfile.contains("\"java\", \"@/opt/passage/jvm.options\""), "the image starts java with it");
    for (Overlay o : built.values()) {
      assertTrue(o.container().getEnv().stream().map(EnvVar::getName)
              .noneMatch(n -> n.equals("JAVA_TOOL_OPTIONS") || n.equals("JAVA_OPTS") || n.equals("JDK_JAVA_OPTIONS")),
          o + ": the StatefulSet does not override them");
      assertTrue(o.container().getCommand() == null || o.container().getCommand().isEmpty(), o + ": the image's entrypoint runs java with them");
    }
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
