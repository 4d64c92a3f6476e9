package dev.passage.proxy;

import static dev.passage.testkit.Fixtures.GATEWAY_CLASS;
import static dev.passage.testkit.Fixtures.join;
import static dev.passage.testkit.Fixtures.service;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.Await;
import dev.passage.testkit.Certificates;
import dev.passage.testkit.Fixtures;
import dev.passage.testkit.RunningPassage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PROXY protocol v2 consumer that is not ours: HAProxy from Debian (bind ... accept-proxy) behind
 * a terminated TLSRoute whose Service a TrafficPolicy gives a header. HAProxy answers each request
 * with what it read from the header (the client's address and port, the address it connected to,
 * fc_pp_authority, fc_pp_unique_id): they must be the client's, the listener's, the SNI and a
 * connection id. .ci/run installs HAProxy where it is missing; without it (a developer's machine)
 * the test is skipped, saying so.
 */
class ProxyProtocolHaproxyTest {
  @TempDir
  Path folder;

  @Test
  void haproxyReadsTheClientsAddressTheSniAndTheConnectionIdFromTheHeader() throws Exception {
    Path haproxy = List.of(Path.of("/usr/sbin/haproxy"), Path.of("/usr/bin/haproxy")).stream().filter(Files::isExecutable)
        .findFirst().orElse(null);
    Assumptions.assumeTrue(haproxy != null, "HAProxy is not installed (apt-get install haproxy; .ci/run does)");
    int haproxyPort = Fixtures.freePort();
    int listener = Fixtures.freePort();
    Path cfg = folder.resolve("haproxy.cfg");
    Files.writeString(cfg, """
        defaults
          mode http
          timeout connect 5s
          timeout client 10s
          timeout server 10s
        frontend fe
          bind 127.0.0.1:%d accept-proxy
          http-request return status 200 content-type text/plain lf-string "src=%%[src]:%%[src_port] dst=%%[dst]:%%[dst_port] authority=%%[fc_pp_authority] unique=%%[fc_pp_unique_id]\\n"
        """.formatted(haproxyPort));
    Process p = new ProcessBuilder(haproxy.toString(), "-db", "-f", cfg.toString()).redirectErrorStream(true)
        .redirectOutput(folder.resolve("haproxy.log").toFile()).start();
    try {
      Await.until(Duration.ofSeconds(10), "HAProxy listening", () -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", haproxyPort), 1_000);
          return true;
        } catch (IOException e) {
          return false;
        }
      });
      Path resources = Files.createDirectories(folder.resolve("resources"));
      Files.writeString(resources.resolve("all.yaml"), join(GATEWAY_CLASS,
          Fixtures.terminatingGateway("edge", listener, "secure.example.com", "secure-cert"),
          Certificates.selfSignedPem("secure.example.com").secret("default", "secure-cert"),
          service("default", "haproxy", haproxyPort),
          """
          apiVersion: gateway.networking.k8s.io/v1
          kind: TLSRoute
          metadata: {name: to-haproxy, namespace: default}
          spec:
            parentRefs: [{name: edge}]
            hostnames: [secure.example.com]
            rules: [{backendRefs: [{name: haproxy, port: 8443}]}]
          ---
          apiVersion: passage.dev/v1alpha1
          kind: TrafficPolicy
          metadata: {name: haproxy, namespace: default}
          spec:
            targetRefs: [{group: "", kind: Service, name: haproxy}]
            proxyProtocol: {version: V2, tlvs: [Authority, ALPN, UniqueID]}
          """));
      try (RunningPassage passage = new RunningPassage(resources, "")) {
        try (Socket raw = new Socket()) {
          raw.setSoTimeout(10_000);
          raw.connect(new InetSocketAddress("127.0.0.1", listener), 5_000);
          SSLSocket tls = TrafficPolicyTest.clientTls(raw, "secure.example.com", List.of());
          tls.getOutputStream().write("GET / HTTP/1.1\r\nHost: secure.example.com\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          tls.getOutputStream().flush();
          String answer = new String(tls.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
          String expected = "src=127.0.0.1:" + raw.getLocalPort() + " dst=127.0.0.1:" + listener
              + " authority=secure.example.com unique=";
          assertTrue(answer.contains(expected), "HAProxy read " + answer.lines().reduce((a, b) -> b).orElse(answer)
              + ", expected " + expected + "<id>");
          String id = answer.substring(answer.indexOf(expected) + expected.length()).trim();
          assertTrue(id.matches(TrafficPolicyTest.ID), "the connection's id: " + id);
        }
      }
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
