package dev.passage.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.passage.PassageNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** A standalone Passage on a test folder, with its management server on a free port. */
public final class RunningPassage implements AutoCloseable {
  public final PassageNode node;
  private final HttpClient http = HttpClient.newHttpClient();

  public RunningPassage(Path resources, String extraConfig) throws Exception {
    Config config = ConfigFactory.parseString("""
        pekko.management.http.port = 0
        passage.standalone.poll-interval = 100ms
        """ + extraConfig).withFallback(ConfigFactory.load()).resolve();
    node = PassageNode.standalone(config, resources);
    Await.until(Duration.ofSeconds(30), "Passage ready", () -> get("/ready").statusCode() == 200);
  }

  public HttpResponse<String> get(String path) throws Exception {
    URI uri = URI.create(node.managementUri().toString() + path);
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    node.close();
  }
}
