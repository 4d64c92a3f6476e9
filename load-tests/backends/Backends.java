import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The load tests' backends, one JVM for all (run with `java Backends.java DIR SPEC...`, JDK 17, no
 * build): each answers every request with "Hello from NAME". SPEC is
 *   tls:NAME:PORT:HOST   HTTPS on 127.0.0.1:PORT with its own self-signed certificate for HOST
 *   http:NAME:PORT       plain HTTP on 127.0.0.1:PORT
 *   pem:HOST             (then exit) a certificate and key for HOST as DIR/HOST.crt, DIR/HOST.key,
 *                        for a kubernetes.io/tls Secret
 * Certificates come from the JDK's keytool, kept in DIR and reused.
 */
public class Backends {
  private static final String PASSWORD = "changeit";

  public static void main(String[] args) throws Exception {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    Path dir = Files.createDirectories(Path.of(args[0]));
    boolean serving = false;
    for (int i = 1; i < args.length; i++) {
      String[] s = args[i].split(":");
      switch (s[0]) {
        case "tls" -> {
          serve(https(keystore(dir, s[3]), Integer.parseInt(s[2])), s[1]);
          System.out.println(s[1] + " on https://127.0.0.1:" + s[2] + " (certificate for " + s[3] + ")");
          serving = true;
        }
        case "http" -> {
          serve(HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(s[2])), 1024), s[1]);
          System.out.println(s[1] + " on http://127.0.0.1:" + s[2]);
          serving = true;
        }
        case "pem" -> pem(dir, s[1]);
        default -> throw new IllegalArgumentException("unknown backend spec " + args[i]);
      }
    }
    if (serving) Thread.currentThread().join();
  }

  private static void serve(HttpServer server, String name) {
    byte[] body = ("Hello from " + name + "\n").getBytes(StandardCharsets.UTF_8);
    server.createContext("/", (HttpExchange ex) -> {
      try (ex) {
        ex.getRequestBody().readAllBytes();
        ex.getResponseHeaders().add("Content-Type", "text/plain");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      }
    });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  private static HttpsServer https(Path keystore, int port) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(keystore.toFile())) {
      ks.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD.toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
    server.setHttpsConfigurator(new HttpsConfigurator(ctx));
    return server;
  }

  /** DIR/HOST.p12, made once with keytool. */
  private static Path keystore(Path dir, String host) throws Exception {
    Path p12 = dir.resolve(host.replace("*", "wildcard") + ".p12");
    if (Files.exists(p12)) return p12;
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "backend", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=" + host, "-ext", "SAN=dns:" + host, "-validity", "30", "-keystore", p12.toString(),
        "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD).inheritIO().start();
    if (p.waitFor() != 0) throw new IOException("keytool failed for " + host);
    return p12;
  }

  private static void pem(Path dir, String host) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(keystore(dir, host).toFile())) {
      ks.load(in, PASSWORD.toCharArray());
    }
    Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
    Files.writeString(dir.resolve(host + ".crt"), "-----BEGIN CERTIFICATE-----\n"
        + b64.encodeToString(ks.getCertificate("backend").getEncoded()) + "\n-----END CERTIFICATE-----\n");
    Files.writeString(dir.resolve(host + ".key"), "-----BEGIN PRIVATE KEY-----\n"
        + b64.encodeToString(ks.getKey("backend", PASSWORD.toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n");
  }
}
