package dev.passage.proxy;

import dev.passage.testkit.TlsProviderUnderTest;

/** Every case of {@link ClientCertificateTest} again, terminated by the JDK's engine instead of BoringSSL. */
@TlsProviderUnderTest("jdk")
class ClientCertificateJdkTest extends ClientCertificateTest {}
