package dev.passage.testkit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.ArrayList;
import java.util.HashMap;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * fabric8's Kubernetes mock API server in CRUD mode (it stores, lists and watches over real
 * HTTPS), with a client for the test and one for Passage that can go through a relay.
 */
public final class MockApiServer implements AutoCloseable {
  /** The mock web server logs every request at INFO through java.util.logging: a line per request, at a cost. Held, so the level stays. */
  private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");

  static {
    QUIET.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  public final KubernetesClient client;
  private final KubernetesSerialization serialization = new KubernetesSerialization();

  /** Watches resuming from a resourceVersion get 410 Gone, once per resource path (see goneForStaleWatches). */
  private volatile boolean goneForStaleWatches;
  private final Set<String> answeredGone = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicInteger listsAfterGone = new java.util.concurrent.atomic.AtomicInteger();

  /** Paths (regular expressions) the server answers with 404, as a cluster without that CRD does. */
  private final Set<Pattern> notServed = ConcurrentHashMap.newKeySet();

  public MockApiServer() {
    this(0);
  }

  /** port 0: any free port. */
  public MockApiServer(int port) {
    this(loopback(), port);
  }

  private static java.net.InetAddress loopback() {
    try {
      return java.net.InetAddress.getByName("127.0.0.1");
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every request's method and path, in order (the first 100,000): what a client asked of the server. */
  private final java.util.concurrent.ConcurrentLinkedQueue<String> requests = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicInteger requestCount = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * The requests so far (method and path, in order; the first 100,000). Recorded on the server's
   * event loop at O(1) each: a copy-on-write list there made every request copy them all.
   */
  public java.util.List<String> requests() {
    return java.util.List.copyOf(requests);
  }

  /** How many requests the server has had (all of them, past the 100,000 that {@link #requests} keeps). */
  public int requestCount() {
    return requestCount.get();
  }

  /** Listening on this address; port 0: any free port. */
  public MockApiServer(java.net.InetAddress address, int port) {
    KubernetesCrudDispatcher dispatcher = new IndexedCrudDispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        if (requestCount.incrementAndGet() <= 100_000) requests.add(request.getMethod() + " " + path);
        if (notServed.stream().anyMatch(p -> p.matcher(path).find())) return new MockResponse().setResponseCode(404);
        if (goneForStaleWatches) {
          String resource = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
          boolean watch = path.contains("watch=true");
          if (watch && path.matches(".*[?&]resourceVersion=[^&0][^&]*.*") && answeredGone.add(resource)) {
            // as an API server does: the watch opens, then its first event is an ERROR with a 410 Status
            return new MockResponse().withWebSocketUpgrade(new io.fabric8.mockwebserver.http.WebSocketListener() {
              @Override
              public void onOpen(io.fabric8.mockwebserver.http.WebSocket ws, io.fabric8.mockwebserver.http.Response r) {
                ws.send("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                    + "\"status\":\"Failure\",\"message\":\"too old resource version\",\"reason\":\"Expired\",\"code\":410}}");
                ws.close(1000, "");
              }
            });
          }
          if (!watch && "GET".equals(request.getMethod()) && answeredGone.contains(resource)) listsAfterGone.incrementAndGet();
        }
        MockResponse response = super.dispatch(request);
        // the mock leaves lists without a Content-Type, which Pekko's Kubernetes discovery refuses
        if (response.header("Content-Type") == null) response.setHeader("Content-Type", "application/json");
        return response;
      }
    };
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, true);
    server.init(address, port);
    client = server.createClient();
  }

  /**
   * From now on, a watch that resumes from a resourceVersion is answered 410 Gone (once per
   * resource path), as by a restarted API server whose history was compacted; a client must relist.
   */
  public void goneForStaleWatches() {
    goneForStaleWatches = true;
  }

  /** The resource paths whose watches were answered 410 Gone. */
  public Set<String> answeredGone() {
    return Set.copyOf(answeredGone);
  }

  /** Lists (GET without watch) of those paths since their 410. */
  public int listsAfterGone() {
    return listsAfterGone.get();
  }

  /** From now on, answer 404 for this group/version/plural ("gateway.networking.k8s.io/v1/tlsroutes"). */
  public void stopServing(String groupVersionPlural) {
    notServed.add(pattern(groupVersionPlural));
  }

  public void startServing(String groupVersionPlural) {
    notServed.removeIf(p -> p.pattern().equals(pattern(groupVersionPlural).pattern()));
  }

  private static Pattern pattern(String gvp) {
    String[] parts = gvp.split("/");
    return Pattern.compile("^/apis/" + Pattern.quote(parts[0] + "/" + parts[1]) + "/(namespaces/[^/]+/)?"
        + Pattern.quote(parts[2]) + "([/?]|$)");
  }

  /** The server's TLS certificate as PEM, for clients that verify it (Pekko's discovery). */
  public String certificatePem() throws Exception {
    javax.net.ssl.SSLContext trustAll = Certificates.trustingClient();
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port())) {
      s.startHandshake();
      byte[] der = s.getSession().getPeerCertificates()[0].getEncoded();
      return "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
          + "\n-----END CERTIFICATE-----\n";
    }
  }

  public int port() {
    return server.getPort();
  }

  /** A kubeconfig that reaches this server at host (its certificate not checked), for Passage processes. */
  public String kubeconfig(String host) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster:
            server: https://%s:%d
            insecure-skip-tls-verify: true
        users:
        - name: test
          user:
            token: test
        contexts:
        - name: test
          context:
            cluster: mock
            user: test
            namespace: default
        current-context: test
        """.formatted(host, port());
  }

  /**
   * The port the Passage pods serve a Gateway on: the targetPort of its Service (passage-NAME in
   * default), or -1 while Passage has not made the Service yet.
   */
  public int gatewayPort(String gateway) {
    var svc = client.services().inNamespace("default").withName("passage-" + gateway).get();
    return svc == null ? -1 : svc.getSpec().getPorts().get(0).getTargetPort().getIntVal();
  }

  /** The targetPort the Service of a Gateway (in default) maps one listener port to, or -1 while there is none. */
  public int gatewayPort(String gateway, int listenerPort) {
    var svc = client.services().inNamespace("default").withName("passage-" + gateway).get();
    if (svc == null) return -1;
    return svc.getSpec().getPorts().stream().filter(p -> p.getPort() == listenerPort)
        .map(p -> p.getTargetPort().getIntVal()).findFirst().orElse(-1);
  }

  /** A client for Passage that reaches the server on another port (a relay), retrying quickly. */
  public KubernetesClient clientVia(int port) {
    Config config = new ConfigBuilder(client.getConfiguration())
        .withMasterUrl("https://127.0.0.1:" + port + "/")
        .withTrustCerts(true)
        .withWatchReconnectInterval(200)
        .withWatchReconnectLimit(-1)
        .withRequestRetryBackoffInterval(100)
        .withRequestRetryBackoffLimit(3)
        .withConnectionTimeout(2_000)
        .withRequestTimeout(5_000)
        .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Creates every object of a YAML text (several documents allowed), as kubectl create would. */
  public List<HasMetadata> create(String yaml) {
    List<HasMetadata> created = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.isBlank()) continue;
      HasMetadata obj = serialization.unmarshal(doc);
      created.add(client.resource(obj).create());
    }
    return created;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }

  /**
   * Edits an object as a user re-applying a change would: an edit reads the object and writes it
   * back with that resourceVersion, so a status write by Passage in between answers 409 Conflict;
   * the edit (idempotent where the tests use it) is then made again, within a deadline.
   */
  public <T extends io.fabric8.kubernetes.api.model.HasMetadata> void edit(Class<T> type, String namespace, String name,
                                                                         java.util.function.UnaryOperator<T> change)
      throws Exception {
    Await.until(java.time.Duration.ofSeconds(10), "edit " + type.getSimpleName() + " " + namespace + "/" + name, () -> {
      client.resources(type).inNamespace(namespace).withName(name).edit(change);
      return true;
    });
  }
}
