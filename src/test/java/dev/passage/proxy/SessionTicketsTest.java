package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.route;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Certificates;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.PlainBackend;
import dev.passage.testkit.RunningPassage;
import dev.passage.testkit.Scrape;
import dev.passage.testkit.TlsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session tickets in standalone mode: the keys come from a Secret in the folder
 * (passage.tls.session-tickets.secret), so a Passage started again, like another node, resumes the
 * sessions of tickets the first gave; without the setting each run has keys of its own, and a
 * ticket Secret that is too short is refused in one line while the key before it keeps serving.
 */
class SessionTicketsTest {
  @TempDir
  Path folder;
  int port;
  PlainBackend plain;
  Certificates.Pem certificate;
  RunningPassage passage;
  static final String SETTING = "passage.tls.session-tickets.secret = \"default/ticket-keys\"\n";
  static final Pattern KEY = Pattern.compile("\"sessionTickets\"\\s*:\\s*\"key ([0-9a-f]{16}) from Secret default/ticket-keys");

  @BeforeEach
  void start() throws Exception {
    plain = new PlainBackend();
    port = Fixtures.freePort();
    certificate = Certificates.selfSignedPem("secure.example.com");
    Files.writeString(folder.resolve("secret.yaml"), certificate.secret("default", "secure-cert"));
    Files.writeString(folder.resolve("all.yaml"), join(GATEWAY_CLASS,
        Fixtures.terminatingGateway("tgw", port, "secure.example.com", "secure-cert"),
        service("default", "plain", plain.port()),
        route("secure", "tgw", List.of("secure.example.com"), List.of(new Fixtures.Backend("plain")))));
  }

  @AfterEach
  void stop() throws Exception {
    if (passage != null) passage.close();
    if (plain != null) plain.close();
  }

  static String ticketSecret(int bytes, long seed) {
    byte[] secret = new byte[bytes];
    new java.util.Random(seed).nextBytes(secret);
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ticket-keys\n  namespace: default\ntype: Opaque\ndata:\n"
        + "  ticket-key: " + Base64.getEncoder().encodeToString(secret) + "\n";
  }

  /** One connection: "full" or "resumed", as Passage counted it. */
  String handshake(SSLContext client) throws Exception {
    double full = handshakes("false"), resumed = handshakes("true");
    try (SSLSocket tls = TlsClient.connect(client, "127.0.0.1", port, "secure.example.com")) {
      assertEquals("plain:ticket", TlsClient.exchangeLine(tls, "ticket")); // the ticket comes with the answer
    }
    Await.until(Duration.ofSeconds(10), "the handshake counted", () -> handshakes("false") + handshakes("true") > full + resumed);
    return handshakes("true") > resumed ? "resumed" : "full";
  }

  double handshakes(String resumed) throws Exception {
    return Scrape.of(passage).sum("passage_tls_handshakes_total", Map.of("resumed", resumed));
  }

  String keyId() throws Exception {
    Matcher m = KEY.matcher(passage.get("/passage/routes").body());
    return m.find() ? m.group(1) : null;
  }

  /** Starts Passage with a ticket Secret in the folder; answers its key's id once it is read. */
  String startWithTicketSecret() throws Exception {
    Files.writeString(folder.resolve("tickets.yaml"), ticketSecret(48, 1));
    passage = new RunningPassage(folder, SETTING);
    Await.until(Duration.ofSeconds(10), "the ticket key is read", () -> keyId() != null);
    return keyId();
  }

  @Test
  void aPassageStartedAgainResumesTheSessionsOfTicketsTheFirstGave() throws Exception {
    String id = startWithTicketSecret();
    SSLContext client = TlsClient.trusting(certificate.certificate());
    assertEquals("full", handshake(client));
    assertEquals("resumed", handshake(client), "the premise: the client offers its ticket");
    passage.close();

    passage = new RunningPassage(folder, SETTING);
    Await.until(Duration.ofSeconds(10), "the ticket key is read", () -> keyId() != null);
    assertEquals(id, keyId(), "the same Secret gives the same key");
    assertEquals("resumed", handshake(client), "the ticket of the first run resumes on the second");
  }

  @Test
  void withoutTheSettingEachRunHasKeysOfItsOwn() throws Exception {
    passage = new RunningPassage(folder, "");
    assertTrue(passage.get("/passage/routes").body().contains("this node's own keys"));
    SSLContext client = TlsClient.trusting(certificate.certificate());
    assertEquals("full", handshake(client));
    assertEquals("resumed", handshake(client), "the premise: the client offers its ticket");
    passage.close();

    passage = new RunningPassage(folder, "");
    assertEquals("full", handshake(client), "another run cannot decrypt the ticket");
  }

  @Test
  void aTicketKeyTooShortIsRefusedAndTheKeyBeforeItKeepsServing() throws Exception {
    String id = startWithTicketSecret();
    SSLContext client = TlsClient.trusting(certificate.certificate());
    assertEquals("full", handshake(client));

    // the short key and a new Gateway in one write: once the Gateway is served, the key was read too
    Files.writeString(folder.resolve("tickets.yaml"), ticketSecret(16, 2) + "---\n"
        + Fixtures.passthroughGateway("marker-gw", Fixtures.freePort()));
    Await.until(Duration.ofSeconds(10), "the write is applied",
        () -> passage.get("/passage/routes").body().contains("marker-gw"));
    assertEquals(id, keyId(), "the key before it keeps encrypting tickets");
    assertEquals("resumed", handshake(client));

    // a good key rotates: the new one encrypts, the previous still decrypts
    Files.writeString(folder.resolve("tickets.yaml"), ticketSecret(48, 3));
    Await.until(Duration.ofSeconds(10), "the new key is read", () -> keyId() != null && !keyId().equals(id));
    assertTrue(passage.get("/passage/routes").body().contains("previous key " + id + " still decrypts"));
    assertEquals("resumed", handshake(client), "a ticket of the previous key");
  }

  @Test
  void onTheJdksTlsTheSettingCannotApplyAndSaysSo() throws Exception {
    Files.writeString(folder.resolve("tickets.yaml"), ticketSecret(48, 1));
    passage = new RunningPassage(folder, SETTING + "passage.tls.provider = jdk\n");
    assertTrue(passage.get("/passage/routes").body().contains("the JDK's TLS cannot take the keys of default/ticket-keys"));
    SSLContext client = TlsClient.trusting(certificate.certificate());
    assertEquals("full", handshake(client));
    passage.close();
    passage = new RunningPassage(folder, SETTING + "passage.tls.provider = jdk\n");
    assertEquals("full", handshake(client), "keys of its own: another run cannot decrypt the ticket");
  }
}
