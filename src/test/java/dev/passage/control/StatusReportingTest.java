package dev.passage.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.passage.resources.Json;
import dev.passage.testkit.Await;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Standalone statuses as Kubernetes stores them (lastTransitionTime, observedGeneration that
 * follows the object's changes) and what a user watching the terminal sees at INFO: one line per
 * applied change set, one per condition that turns False.
 */
class StatusReportingTest {
  @TempDir
  Path folder;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final List<Logger> watched = List.of((Logger) LoggerFactory.getLogger(TablePublisher.class),
      (Logger) LoggerFactory.getLogger(ComputedStatuses.class));

  @BeforeEach
  void watchTheLog() {
    log.start();
    watched.forEach(l -> l.addAppender(log));
  }

  @AfterEach
  void stopWatching() {
    watched.forEach(l -> l.detachAppender(log));
  }

  @Test
  void aChangeIsOneInfoLineAndAConditionTurningFalseAnotherWithItsTransitionTime() throws Exception {
    int port = Fixtures.freePort();
    Path file = folder.resolve("all.yaml");
    Files.writeString(file, Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", port),
        Fixtures.service("default", "b", 9), route("b"))); // the Service comes with its EndpointSlice: 5 objects
    try (RunningPassage passage = new RunningPassage(folder, "")) {
      awaitLine("applied first snapshot of 5 objects; serving default/gw (1 route)");
      JsonNode accepted = condition(passage, "Accepted");
      JsonNode resolved = condition(passage, "ResolvedRefs");
      assertEquals("True", resolved.get("status").asString());
      assertEquals(1, resolved.get("observedGeneration").asLong());
      Instant before = Instant.parse(resolved.get("lastTransitionTime").asString());
      assertTrue(Duration.between(before, Instant.now()).abs().toSeconds() < 60, "stamped now: " + before);
      // the next transition must fall in a later second to be told apart
      Await.until(Duration.ofSeconds(5), "a second has passed",
          () -> Instant.now().isAfter(before.plusSeconds(1)));

      Files.writeString(file, Fixtures.join(Fixtures.GATEWAY_CLASS, Fixtures.passthroughGateway("gw", port),
          Fixtures.service("default", "b", 9), route("missing")));
      awaitLine("TLSRoute default/r: parent Gateway gw ResolvedRefs=False (BackendNotFound): "
          + "Service default/missing not found");
      awaitLine("applied changed TLSRoute default/r; serving default/gw (1 route)");
      JsonNode after = condition(passage, "ResolvedRefs");
      assertEquals("False", after.get("status").asString());
      assertEquals(2, after.get("observedGeneration").asLong(), "the changed route is generation 2");
      assertTrue(Instant.parse(after.get("lastTransitionTime").asString()).isAfter(before), after.toString());
      JsonNode acceptedAfter = condition(passage, "Accepted");
      assertEquals(2, acceptedAfter.get("observedGeneration").asLong());
      assertEquals(accepted.get("lastTransitionTime"), acceptedAfter.get("lastTransitionTime"),
          "Accepted held True: its transition time stays");
      assertNotEquals(accepted.get("observedGeneration"), acceptedAfter.get("observedGeneration"));
      long falseLines = lines().stream().filter(l -> l.contains("ResolvedRefs=False")).count();
      assertEquals(1, falseLines, "logged once, not on every evaluation: " + lines());
    }
  }

  private static String route(String service) {
    return Fixtures.route("r", "gw", List.of("r.example.com"), List.of(new Fixtures.Backend(service)));
  }

  /** The route's condition of this type under its one parent, from /passage/status. */
  private static JsonNode condition(RunningPassage passage, String type) throws Exception {
    for (JsonNode o : Json.JSON.readTree(passage.get("/passage/status").body())) {
      if (!o.get("kind").asString().equals("TLSRoute")) continue;
      for (JsonNode c : o.get("status").get("parents").get(0).get("conditions")) {
        if (c.get("type").asString().equals(type)) return c;
      }
    }
    throw new AssertionError("no " + type + " condition on the route");
  }

  private List<String> lines() {
    synchronized (log) { // the appender adds under its own lock
      return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  private void awaitLine(String line) throws Exception {
    Await.until(Duration.ofSeconds(10), "the log line: " + line, () -> lines().contains(line));
  }
}
