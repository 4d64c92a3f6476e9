package dev.passage.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestInfo;

/**
 * The TLS provider a test class runs Passage with (passage.tls.provider). Tests that terminate TLS
 * run on BoringSSL by default (RunningPassage sets openssl, never auto, so that a library that
 * fails to load fails them rather than testing the JDK twice); a subclass annotated with "jdk"
 * runs the same cases on the JDK's engine.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Inherited
public @interface TlsProviderUnderTest {
  String value();

  /** Reads the annotation of the class running now. */
  final class Of {
    private Of() {}

    /** The provider for the class running now: its annotation's, else openssl. */
    public static String provider(TestInfo info) {
      return info.getTestClass().map(c -> c.getAnnotation(TlsProviderUnderTest.class))
          .map(TlsProviderUnderTest::value).orElse("openssl");
    }

    /** The same, as a line of configuration for RunningPassage. */
    public static String config(TestInfo info) {
      return "\npassage.tls.provider = " + provider(info) + "\n";
    }
  }
}
