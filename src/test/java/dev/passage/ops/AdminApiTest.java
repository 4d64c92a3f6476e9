package dev.passage.ops;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API (/passage/routes, /passage/status) is never served on a management port that
 * listens beyond loopback: there it answers 404, and the admin routes are on their own port on
 * 127.0.0.1, while /ready and /metrics stay on the management port. On a loopback management port
 * (standalone's default) everything is served there, as before.
 */
class AdminApiTest {
  @TempDir
  Path folder;

  static int status(URI base, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aManagementPortOpenBeyondLoopbackKeepsTheAdminRoutesOff() throws Exception {
    Files.writeString(folder.resolve("all.yaml"), GATEWAY_CLASS);
    int admin = Fixtures.freePort();
    try (RunningPassage passage = new RunningPassage(folder, """
        pekko.management.http.bind-hostname = "0.0.0.0"
        passage.admin.port = %d
        """.formatted(admin))) {
      URI management = URI.create(passage.node.managementUri().toString());
      URI adminUri = URI.create(passage.node.adminUri().toString());
      assertEquals("127.0.0.1", adminUri.getHost(), "the admin API on loopback");
      assertEquals(admin, adminUri.getPort());
      assertEquals(404, status(management, "/passage/routes"), "not on the management port");
      assertEquals(404, status(management, "/passage/status"));
      assertEquals(200, status(adminUri, "/passage/routes"));
      assertEquals(200, status(adminUri, "/passage/status"));
      assertTrue(passage.get("/passage/routes").body().contains("\"listeners\""), "the routes document, from the admin port");
      assertEquals(200, status(management, "/ready"), "probes stay");
      assertEquals(200, status(management, "/metrics"), "Prometheus stays");
      assertEquals(404, status(adminUri, "/metrics"), "the admin port serves the admin routes only");
    }
  }

  @Test
  void aLoopbackManagementPortServesEverythingAsBefore() throws Exception {
    Files.writeString(folder.resolve("all.yaml"), GATEWAY_CLASS);
    try (RunningPassage passage = new RunningPassage(folder, "")) {
      assertEquals(passage.node.managementUri(), passage.node.adminUri());
      URI management = URI.create(passage.node.managementUri().toString());
      assertEquals(200, status(management, "/passage/routes"));
      assertEquals(200, status(management, "/metrics"));
    }
  }

  @Test
  void loopbackIsTheLoopbackAddressesOnly() {
    assertTrue(AdminApi.loopback("127.0.0.1"));
    assertTrue(AdminApi.loopback("127.0.0.3"));
    assertTrue(AdminApi.loopback("::1"));
    assertTrue(AdminApi.loopback("localhost"));
    assertFalse(AdminApi.loopback("0.0.0.0"));
    assertFalse(AdminApi.loopback("::"));
    assertFalse(AdminApi.loopback("10.1.2.3"));
    assertFalse(AdminApi.loopback(""));
  }
}
