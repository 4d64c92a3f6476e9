package dev.passage.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

/** YAML snippets for test resource folders. */
public final class Fixtures {
  private Fixtures() {}

  public static final String GATEWAY_CLASS = """
      apiVersion: gateway.networking.k8s.io/v1
      kind: GatewayClass
      metadata:
        name: passage
      spec:
        controllerName: passage.dev/gateway-controller
      """;

  public static String passthroughGateway(String name, int port) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: %s
          namespace: default
        spec:
          gatewayClassName: passage
          listeners:
          - name: tls
            protocol: TLS
            port: %d
            tls:
              mode: Passthrough
            allowedRoutes:
              namespaces:
                from: All
        """.formatted(name, port);
  }

  /** A Gateway in default with one TLS listener in Terminate mode for hostname, its certificate from this Secret. */
  /**
   * Kubernetes mode on 127.0.0.1 with Gateway ports from portBase (ten of them), status writes
   * unthrottled enough for a test and a short batch window: the settings the single-node
   * Kubernetes tests share.
   */
  public static String kubernetesOnLoopback(int portBase) {
    return """
        passage.kubernetes.bind-address = "127.0.0.1"
        passage.kubernetes.port-range-start = %d
        passage.kubernetes.port-range-end = %d
        """.formatted(portBase, portBase + 10) + TEST_PACE;
  }

  /** Status writes unthrottled enough for a test and a short batch window. */
  public static final String TEST_PACE = """
      passage.kubernetes.status-writes-per-second = 200
      passage.kubernetes.batch-window = 20ms
      """;

  /**
   * Node i of a cluster in one JVM: remoting on 127.0.0.1 at remoting[i] (node 0 is the seed), its
   * Gateways' ports bound on 127.0.0.(i+2), allocated from portBase to portBase + portCount.
   */
  public static String clusterMember(int[] remoting, int i, int portBase, int portCount) {
    return """
        passage.cluster.join = seed-nodes
        pekko.cluster.seed-nodes = ["pekko://passage@127.0.0.1:%d"]
        pekko.remote.artery.canonical.port = %d
        passage.kubernetes.bind-address = "127.0.0.%d"
        passage.kubernetes.port-range-start = %d
        passage.kubernetes.port-range-end = %d
        """.formatted(remoting[0], remoting[i], i + 2, portBase, portBase + portCount);
  }

  /**
   * Mutual TLS between the nodes as the Kustomize install sets it: tls-tcp, Passage's engine, and the
   * directory holding tls.key, tls.crt and ca.crt (k8s/remoting-tls/make-secret.sh's files), from
   * which Pekko derives the three paths.
   */
  public static String remotingTls(java.nio.file.Path mountPoint) {
    return """
        pekko.remote.artery.transport = tls-tcp
        pekko.remote.artery.ssl.ssl-engine-provider = "dev.passage.cluster.RemotingTls"
        pekko.remote.artery.ssl.rotating-keys-engine.secret-mount-point = "%s"
        """.formatted(mountPoint.toAbsolutePath());
  }

  public static String terminatingGateway(String name, int port, String hostname, String secret) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: %s
          namespace: default
        spec:
          gatewayClassName: passage
          listeners:
          - name: secure
            protocol: TLS
            port: %d
            hostname: %s
            tls:
              mode: Terminate
              certificateRefs:
              - name: %s
        """.formatted(name, port, hostname, secret);
  }

  /** A Service on port 8443 whose EndpointSlice puts its endpoints on 127.0.0.1 at these ports. */
  public static String service(String namespace, String name, int... targetPorts) {
    return serviceAt("127.0.0.1", namespace, name, targetPorts);
  }

  /** A Service on port 8443 whose EndpointSlice puts its endpoints on this address at these ports. */
  public static String serviceAt(String address, String namespace, String name, int... targetPorts) {
    StringBuilder slices = new StringBuilder();
    for (int i = 0; i < targetPorts.length; i++) {
      slices.append("""
          ---
          apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata:
            name: %s-%d
            namespace: %s
            labels:
              kubernetes.io/service-name: %s
          addressType: IPv4
          ports:
          - name: https
            protocol: TCP
            port: %d
          endpoints:
          - addresses: ["%s"]
          """.formatted(name, i, namespace, name, targetPorts[i], address));
    }
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: %s
          namespace: %s
        spec:
          ports:
          - name: https
            protocol: TCP
            port: 8443
        """.formatted(name, namespace) + slices;
  }

  public record Backend(String name, String namespace, int weight) {
    public Backend(String name) {
      this(name, null, 1);
    }
  }

  /** A ReferenceGrant in namespace that lets TLSRoutes of fromNamespace reach its Services. */
  public static String serviceGrant(String name, String namespace, String fromNamespace) {
    return """
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata:
          name: %s
          namespace: %s
        spec:
          from:
          - group: gateway.networking.k8s.io
            kind: TLSRoute
            namespace: %s
          to:
          - group: ""
            kind: Service
        """.formatted(name, namespace, fromNamespace);
  }

  public static String route(String name, String gateway, List<String> hostnames, List<Backend> backends) {
    return route("v1", name, gateway, hostnames, backends);
  }

  /** A TLSRoute in default of this version (v1, v1alpha3, v1alpha2). */
  public static String route(String version, String name, String gateway, List<String> hostnames, List<Backend> backends) {
    StringBuilder b = new StringBuilder();
    for (Backend backend : backends) {
      b.append("    - name: ").append(backend.name()).append("\n      port: 8443\n      weight: ").append(backend.weight())
          .append('\n');
      if (backend.namespace() != null) b.append("      namespace: ").append(backend.namespace()).append('\n');
    }
    StringBuilder h = new StringBuilder();
    for (String host : hostnames) h.append("  - \"").append(host).append("\"\n");
    return """
        apiVersion: gateway.networking.k8s.io/%s
        kind: TLSRoute
        metadata:
          name: %s
          namespace: default
        spec:
          parentRefs:
          - name: %s
          hostnames:
        %s  rules:
          - backendRefs:
        %s""".formatted(version, name, gateway, h, b);
  }

  public static String join(String... documents) {
    return String.join("\n---\n", documents);
  }

  private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * The first of n consecutive ports nothing listens on, for a Kubernetes-mode port range: taken
   * below the kernel's ephemeral range (32768 and up on Linux), where the sockets other tests open
   * on port 0 never land, and never overlapping a range or port this JVM was given before.
   */
  public static int freePortRange(int n) throws IOException {
    java.util.Random random = new java.util.Random();
    // each test JVM (surefire fork) its own band of 5,000 ports, so that two forks never pick one range
    int band = 22_000 + (Math.max(1, Integer.getInteger("passage.test.fork", 1)) - 1) % 2 * 5_000;
    for (int attempt = 0; attempt < 1000; attempt++) {
      int base = band + random.nextInt(5_000 - n);
      boolean free = true;
      for (int p = base; p < base + n && free; p++) {
        if (GIVEN.contains(p)) free = false;
        else {
          try (ServerSocket s = new ServerSocket()) {
            s.bind(new java.net.InetSocketAddress(p), 1); // the wildcard address: in use on any address is in use
          } catch (IOException taken) {
            free = false;
          }
        }
      }
      if (free) {
        for (int p = base; p < base + n; p++) GIVEN.add(p);
        return base;
      }
    }
    throw new IOException("no " + n + " consecutive free ports from " + band);
  }

  /**
   * A port nothing listens on (bound, then released), never one this JVM was given before: the
   * kernel may hand the same ephemeral port to two calls in a row, and two listeners of one test
   * on one port would conflict.
   */
  public static int freePort() throws IOException {
    for (int attempt = 0; ; attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (GIVEN.add(s.getLocalPort()) || attempt > 100) return s.getLocalPort();
      }
    }
  }
}
