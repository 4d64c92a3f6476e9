package dev.passage.resources;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode, on every node: the TLS Secrets (type kubernetes.io/tls) this node's data plane
 * may serve, watched by the node itself, so that private keys never travel between nodes (route
 * tables only name the Secrets). Reconnects and relists by itself, as the control plane's
 * informers do.
 */
public final class KubernetesSecrets implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KubernetesSecrets.class);
  private final SharedIndexInformer<Secret> informer;

  public KubernetesSecrets(KubernetesClient client, Duration resync, Consumer<List<ResourceEvent>> sink) {
    informer = client.secrets().inAnyNamespace().withField("type", "kubernetes.io/tls").runnableInformer(resync.toMillis());
    informer.addEventHandler(new ResourceEventHandler<Secret>() {
      @Override
      public void onAdd(Secret s) {
        upsert(s, sink);
      }

      @Override
      public void onUpdate(Secret before, Secret s) {
        upsert(s, sink);
      }

      @Override
      public void onDelete(Secret s, boolean finalStateUnknown) {
        sink.accept(List.of(new ResourceEvent.Deleted(
            ObjectKey.of(Kind.SECRET, s.getMetadata().getNamespace(), s.getMetadata().getName()))));
      }
    });
    informer.exceptionHandler((started, t) -> {
      log.debug("watch of TLS Secrets failed, retrying: {}", t.toString());
      return true;
    });
  }

  private static void upsert(Secret s, Consumer<List<ResourceEvent>> sink) {
    ModelAdapter.toView(s, "default").ifPresent(v -> sink.accept(List.of(new ResourceEvent.Upserted(v))));
  }

  /** Starts watching in the background (an API server that is away is retried). */
  public void start() {
    Thread t = new Thread(() -> {
      try {
        informer.start();
      } catch (RuntimeException e) {
        log.warn("cannot watch TLS Secrets yet: {}", e.toString());
      }
    }, "passage-secrets-informer");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() {
    informer.close();
  }
}
