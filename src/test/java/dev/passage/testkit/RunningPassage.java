package dev.passage.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.passage.Passage;
import dev.passage.PassageNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** A Passage (standalone on a test folder, or against a mock API server), management on a free port. */
public final class RunningPassage implements AutoCloseable {
  public final PassageNode node;
  private final HttpClient http = HttpClient.newHttpClient();

  public RunningPassage(Path resources, String extraConfig) throws Exception {
    this(PassageNode.standalone(config(extraConfig), resources));
  }

  private RunningPassage(PassageNode node, boolean awaitReady) throws Exception {
    this.node = node;
    if (awaitReady) Await.until(Duration.ofSeconds(30), "Passage ready", () -> get("/ready").statusCode() == 200);
  }

  private RunningPassage(PassageNode node) throws Exception {
    this(node, true);
  }

  /** Kubernetes mode against this client (a mock API server). */
  public static RunningPassage kubernetes(KubernetesClient client, String extraConfig) throws Exception {
    return kubernetes(client, extraConfig, true);
  }

  /** awaitReady false: return at once (a cluster node is ready only once the cluster has formed). */
  public static RunningPassage kubernetes(KubernetesClient client, String extraConfig, boolean awaitReady)
      throws Exception {
    return new RunningPassage(PassageNode.kubernetes(config(extraConfig), client), awaitReady);
  }

  /** The test's settings layered over the defaults as a --config file is (Passage.layered), before anything resolves. */
  private static Config config(String extra) {
    return Passage.layered(ConfigFactory.parseString("""
        pekko.management.http.port = 0
        passage.standalone.poll-interval = 100ms
        passage.tls.provider = openssl
        """ + extra));
  }

  /** A GET of the management API, or of the admin API for /passage/ paths (wherever the node serves it). */
  public HttpResponse<String> get(String path) throws Exception {
    URI uri = URI.create((path.startsWith("/passage/") ? node.adminUri() : node.managementUri()).toString() + path);
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    node.close();
  }
}
