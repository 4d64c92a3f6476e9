package dev.passage.proxy.tls;

import io.netty.handler.ssl.OpenSsl;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which TLS implementation terminates the connections this node decrypts (passage.tls.provider):
 * BoringSSL through netty-tcnative (its native library is in the jar for linux-x86_64 and
 * linux-aarch64), or the JDK's own SSLEngine. Both give Pekko's TLS stage an {@code SSLEngine}.
 */
public enum TlsProvider {
  /** BoringSSL, through Netty's OpenSSL engine. */
  OPENSSL("openssl"),
  /** The JDK's SunJSSE. */
  JDK("jdk");

  private static final Logger log = LoggerFactory.getLogger(TlsProvider.class);

  private final String settingName;

  TlsProvider(String settingName) {
    this.settingName = settingName;
  }

  /** The name the setting, /passage/routes and the metric use. */
  public String settingName() {
    return settingName;
  }

  /**
   * The provider a setting asks for: auto takes BoringSSL where its native library loads, else the
   * JDK, with one WARN line saying why; openssl insists (an error, one line, when it cannot load).
   */
  public static TlsProvider fromSetting(String setting) {
    switch (setting.trim().toLowerCase(Locale.ROOT)) {
      case "jdk":
        return JDK;
      case "openssl":
        if (!OpenSsl.isAvailable()) {
          throw new IllegalArgumentException("passage.tls.provider = openssl, but BoringSSL cannot load here: "
              + OpenSsl.unavailabilityCause());
        }
        return OPENSSL;
      case "auto":
        if (OpenSsl.isAvailable()) return OPENSSL;
        log.warn("BoringSSL cannot load here ({}): TLS is terminated by the JDK, at several times the CPU a handshake "
            + "(set passage.tls.provider = jdk to say that is intended)", String.valueOf(OpenSsl.unavailabilityCause()));
        return JDK;
      default:
        throw new IllegalArgumentException("passage.tls.provider must be auto, openssl or jdk, not \"" + setting + "\"");
    }
  }

  /** The library's version: "BoringSSL", or "SunJSSE 17.0.15" (the Java runtime's). */
  public String version() {
    return this == OPENSSL ? OpenSsl.versionString() : "SunJSSE " + System.getProperty("java.version");
  }

  /** For the log and /passage/routes: "openssl (BoringSSL)", "jdk (SunJSSE 17.0.15)". */
  public String describe() {
    return settingName + " (" + version() + ")";
  }
}
