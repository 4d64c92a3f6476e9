package dev.passage.boot;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Before Kubernetes mode starts anything: is there an API server, and does it answer? Without
 * this, the informers retry forever, each failure a stack trace, and the user never learns why.
 */
public final class ApiServerCheck {
  public static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  private ApiServerCheck() {}

  /** Fails at once when there is nothing to connect to: no kubeconfig and no in-cluster service account. */
  public static void configured() throws StartupFailure {
    // where fabric8 looks, as kubectl does: the kubeconfig property or KUBECONFIG, else ~/.kube/config
    String kubeconfig = System.getProperty("kubeconfig", System.getenv("KUBECONFIG"));
    String homeDir = System.getenv("HOME") != null ? System.getenv("HOME") : System.getProperty("user.home");
    Path home = Path.of(homeDir, ".kube", "config");
    boolean inCluster = System.getenv("KUBERNETES_SERVICE_HOST") != null && Files.exists(SERVICE_ACCOUNT_TOKEN);
    if ((kubeconfig == null || kubeconfig.isBlank()) && !Files.isRegularFile(home) && !inCluster) {
      throw new StartupFailure(StartupFailure.API_SERVER, "no Kubernetes API server to watch: no kubeconfig "
          + "(KUBECONFIG or " + home + ") and no in-cluster service account; to serve a folder of YAML "
          + "instead, give --resources DIR");
    }
  }

  /** Asks the server for its version until it answers or the time is up. */
  public static void answers(KubernetesClient client, Duration within) throws StartupFailure {
    // a client of its own that does not retry: each attempt's cause is known, and the loop is the retry
    try (KubernetesClient once = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration())
            .withRequestRetryBackoffLimit(0).build()).build()) {
      answers(once, client.getMasterUrl(), within);
    }
  }

  private static void answers(KubernetesClient client, java.net.URL url, Duration within) throws StartupFailure {
    long deadline = System.nanoTime() + within.toNanos();
    Throwable last = null;
    while (System.nanoTime() < deadline) {
      CompletableFuture<Object> version = CompletableFuture.supplyAsync(client::getKubernetesVersion);
      try {
        version.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        return;
      } catch (ExecutionException e) {
        last = e.getCause();
      } catch (TimeoutException e) {
        version.cancel(true);
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      try {
        Thread.sleep(Math.min(1000, Math.max(0, (deadline - System.nanoTime()) / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new StartupFailure(StartupFailure.API_SERVER, "cannot reach the Kubernetes API server at "
        + url + " within " + within.toSeconds() + " s (passage.kubernetes.api-server-timeout): "
        + (last == null ? "no answer" : dev.passage.resources.RootCause.message(last)));
  }
}
