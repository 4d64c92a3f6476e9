package dev.passage;

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
          System.exit(2);
        }
      }
    }
    if (configFile != null && !Files.isRegularFile(configFile)) {
      System.err.println("config file not found: " + configFile.toAbsolutePath());
      System.exit(2);
    }
    if (resources != null && !Files.isDirectory(resources)) {
      System.err.println("resources folder not found: " + resources.toAbsolutePath());
      System.exit(2);
    }
    Config config = ConfigFactory.load();
    if (configFile != null) {
      config = ConfigFactory.systemProperties()
          .withFallback(ConfigFactory.parseFile(configFile.toFile()))
          .withFallback(ConfigFactory.load()).resolve();
    }
    PassageNode node;
    if (resources != null) {
      node = PassageNode.standalone(config, resources);
    } else {
      // connects the way kubectl does: in-cluster service account, else KUBECONFIG or ~/.kube/config
      KubernetesClient client = new KubernetesClientBuilder().build();
      System.err.println("Kubernetes mode: API server " + client.getMasterUrl());
      node = PassageNode.kubernetes(config, client);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "passage-shutdown"));
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      System.err.println(flag + " needs a value");
      System.exit(2);
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
