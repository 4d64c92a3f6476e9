package passage.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Routes rewritten under load (standalone: -Dresources.dir names the folder Passage reads). While
 * an open model of -Drate requests per second (default 300) runs over the untouched routes and one
 * switched route, every -Dreload.seconds (default 2) the simulation either adds an unrelated route
 * (reload.example.com), removes it again, or switches backend.example.com between backend-service
 * and admin-service (rewriting that route's file, -Dswitch.file), each by an atomic rename as a
 * careful user would. Untouched routes must see
 * no failed request; the switched one must always answer from one of its two backends. Fails on
 * any failed request, a p99 above -Dp99.ms (default 200), fewer than 3 changes made, or the
 * switched route never seen answering from both backends (the premise: the switch took effect).
 */
public class ReloadSimulation extends Simulation {
  static final Path FOLDER = Path.of(System.getProperty("resources.dir", "resources-dir-not-set"));
  static final Map<String, String> UNTOUCHED = Map.of("api.example.com", "api-service",
      "admin.example.com", "admin-service", "metrics.example.com", "metrics-service",
      "app1.apps.example.com", "app-router-service");
  static final String SWITCHED = "backend.example.com";
  static final AtomicInteger CHANGES = new AtomicInteger();
  /** Which backend answered the switched route, and how often: both, if the switch took effect under load. */
  static final Map<String, LongAdder> SWITCHED_TO = new java.util.concurrent.ConcurrentHashMap<>();
  final ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor();
  /** The file of backend.example.com's route (the tutorial's), and its content with the backend switched. */
  static final String SWITCH_FILE = System.getProperty("switch.file", "40-cross-namespace.yaml");
  String original;
  String switched;

  static List<Map<String, Object>> rows() {
    List<Map<String, Object>> rows = new ArrayList<>();
    UNTOUCHED.forEach((h, b) -> rows.add(Map.of("host", h, "backends", b, "connection", "keep-alive")));
    // passthrough moves new connections only (an established one keeps its backend): this route's
    // requests each take a connection of their own, so that they see the switch
    rows.add(Map.of("host", SWITCHED, "backends", "backend-service|admin-service", "connection", "close"));
    return rows;
  }

  ChainBuilder request = feed(listFeeder(rows()).circular()).exec(
      http("#{host}").get("https://#{host}:" + Targets.port() + "/").header("Connection", "#{connection}")
          .check(status().is(200))
          .check(bodyString().validate("from an allowed backend", (body, session) -> {
            for (String b : session.getString("backends").split("\\|")) {
              if (body.equals(Targets.body(b))) {
                if (session.getString("host").equals(SWITCHED)) SWITCHED_TO.computeIfAbsent(b, k -> new LongAdder()).increment();
                return body;
              }
            }
            throw new IllegalStateException("expected " + session.getString("backends") + ", got " + body.trim());
          })));

  {
    List<String> hosts = new ArrayList<>(UNTOUCHED.keySet());
    hosts.add(SWITCHED);
    hosts.add("reload.example.com");
    setUp(Phases.verdict(Phases.open("reload under load", request, Targets.intSetting("rate", 300)),
            "3 route changes or more, the switch seen", () -> CHANGES.get() >= 3 && SWITCHED_TO.size() == 2))
        .protocols(Targets.shared(Targets.protocol(Targets.hostname(), Targets.port(), hosts)))
        .assertions(Phases.assertions(Targets.intSetting("p99.ms", 200)));
  }

  @Override
  public void before() {
    if (!Files.isDirectory(FOLDER)) throw new IllegalStateException("-Dresources.dir must name the folder Passage reads");
    try {
      original = Files.readString(FOLDER.resolve(SWITCH_FILE));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + SWITCH_FILE + " in " + FOLDER, e);
    }
    switched = original.replace("- name: backend-service\n      namespace: backend-namespace\n",
        "- name: admin-service\n      namespace: default\n");
    if (switched.equals(original)) throw new IllegalStateException(SWITCH_FILE + " does not route to backend-service as expected");
    long every = Targets.intSetting("reload.seconds", 2);
    reloader.scheduleAtFixedRate(this::change, every, every, TimeUnit.SECONDS);
  }

  private void change() {
    try {
      switch (CHANGES.get() % 4) {
        case 0 -> write("95-reload.yaml", route("reload-tls", "reload.example.com", "api-service"));
        case 1 -> Files.deleteIfExists(FOLDER.resolve("95-reload.yaml"));
        case 2 -> write(SWITCH_FILE, switched);
        default -> write(SWITCH_FILE, original);
      }
      CHANGES.incrementAndGet();
    } catch (IOException e) {
      System.err.println("reload failed: " + e);
    }
  }

  @Override
  public void after() {
    reloader.shutdownNow();
    try {
      Files.deleteIfExists(FOLDER.resolve("95-reload.yaml"));
      if (original != null) write(SWITCH_FILE, original);
    } catch (IOException ignored) {
      // the folder is the runner's to remove
    }
    System.out.println("route changes made under load: " + CHANGES.get());
    SWITCHED_TO.forEach((b, n) -> System.out.println(SWITCHED + " answered by " + b + ": " + n.sum()));
  }

  /** Write by atomic rename: Passage never reads a half-written file. */
  private static void write(String name, String yaml) throws IOException {
    Path tmp = FOLDER.resolve("." + name + ".tmp");
    Files.writeString(tmp, yaml);
    Files.move(tmp, FOLDER.resolve(name), StandardCopyOption.ATOMIC_MOVE);
  }

  /** An unrelated TLSRoute on the tutorial's Gateway. */
  private static String route(String name, String hostname, String service) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSRoute
        metadata:
          name: %s
          namespace: default
        spec:
          parentRefs:
          - name: tls-passthrough-gateway
          hostnames: ["%s"]
          rules:
          - backendRefs:
            - name: %s
              port: 8443
        """.formatted(name, hostname, service);
  }
}
