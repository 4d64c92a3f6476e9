package dev.passage;

import dev.passage.boot.ApiServerCheck;
import dev.passage.boot.ContactPoints;
import dev.passage.boot.StartupFailure;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;

/**
 * Entry point. {@code java -jar passage.jar --resources DIR [--config FILE]} runs standalone on a
 * folder of Gateway API YAML; without --resources Passage runs against the Kubernetes API server
 * that kubectl would use. Settings come from reference.conf, then an optional --config file,
 * then -D system properties.
 */
public final class Passage {
  private Passage() {}

  public static void main(String[] args) throws Exception {
    // initialise logging before any thread logs: otherwise SLF4J replays the first calls with a warning
    org.slf4j.LoggerFactory.getILoggerFactory();
    Path resources = null;
    Path configFile = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--resources" -> resources = Path.of(value(args, ++i, "--resources"));
        case "--config" -> configFile = Path.of(value(args, ++i, "--config"));
        case "-h", "--help" -> {
          usage();
          return;
        }
        default -> {
          System.err.println("unknown argument: " + args[i]);
          usage();
          System.exit(StartupFailure.USAGE);
        }
      }
    }
    try {
      PassageNode node = start(resources, configFile);
      Runtime.getRuntime().addShutdownHook(new Thread(node::close, "passage-shutdown"));
    } catch (StartupFailure f) {
      System.err.println(f.getMessage());
      System.exit(f.exitCode());
    } catch (com.typesafe.config.ConfigException e) {
      System.err.println("bad setting: " + e.getMessage());
      System.exit(StartupFailure.USAGE);
    }
  }

  private static PassageNode start(Path resources, Path configFile) throws Exception {
    if (configFile != null && !Files.isRegularFile(configFile)) {
      throw new StartupFailure(StartupFailure.USAGE, "config file not found: " + configFile.toAbsolutePath());
    }
    if (resources != null && !Files.isDirectory(resources)) {
      throw new StartupFailure(StartupFailure.USAGE, "resources folder not found: " + resources.toAbsolutePath());
    }
    Config config = settings(configFile);
    dev.passage.config.PassageSettings.from(config); // a bad setting stops here, before anything starts
    String tls = config.getString("passage.tls.provider");
    if (!tls.trim().equalsIgnoreCase("auto")) { // auto always starts (on the JDK's engine at worst, and says so)
      try {
        dev.passage.proxy.tls.TlsProvider.fromSetting(tls);
      } catch (IllegalArgumentException e) {
        throw new StartupFailure(StartupFailure.USAGE, "bad setting: " + e.getMessage());
      }
    }
    if (resources != null) return PassageNode.standalone(config, resources);
    // connects the way kubectl does: in-cluster service account, else KUBECONFIG or ~/.kube/config
    ApiServerCheck.configured();
    KubernetesClient client = new KubernetesClientBuilder().build();
    try {
      ApiServerCheck.answers(client, config.getDuration("passage.kubernetes.api-server-timeout"));
    } catch (StartupFailure f) {
      client.close();
      throw f;
    }
    org.slf4j.LoggerFactory.getLogger(Passage.class).info("Kubernetes mode: API server {}", client.getMasterUrl());
    try {
      config = ContactPoints.fromReplicas(config, client);
    } catch (StartupFailure f) {
      client.close();
      throw f;
    }
    return PassageNode.kubernetes(config, client);
  }

  /**
   * The settings: system properties over the --config file (null: none) over application.conf
   * over every reference.conf, resolved once they are all layered, so that a default made by
   * substitution follows what the file sets (Pekko's rotating-keys-engine key-file, cert-file and
   * ca-file follow a secret-mount-point the file moves).
   */
  static Config settings(Path configFile) {
    return layered(configFile == null ? ConfigFactory.empty() : ConfigFactory.parseFile(configFile.toFile()));
  }

  /** The same for a settings file already parsed (the Kustomize overlays' passage.conf, in ManifestsTest). */
  public static Config layered(Config file) {
    return ConfigFactory.defaultOverrides().withFallback(file).withFallback(ConfigFactory.defaultApplication())
        .withFallback(ConfigFactory.defaultReferenceUnresolved()).resolve();
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      System.err.println(flag + " needs a value");
      System.exit(StartupFailure.USAGE);
    }
    return args[i];
  }

  private static void usage() {
    System.err.println("usage: java @config/jvm.options -jar target/passage.jar [--resources DIR] [--config FILE]\n"
        + "  --resources DIR  standalone: serve the Gateway API YAML in DIR\n"
        + "  (none)           Kubernetes: watch the API server kubectl would use, write statuses back\n"
        + "  --config FILE    HOCON settings over the defaults (see reference.conf)");
  }
}
