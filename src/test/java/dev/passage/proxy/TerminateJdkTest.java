package dev.passage.proxy;

import dev.passage.testkit.TlsProviderUnderTest;

/** Every case of {@link TerminateTest} (TLSRoute Terminate) again, terminated by the JDK's engine instead of BoringSSL. */
@TlsProviderUnderTest("jdk")
class TerminateJdkTest extends TerminateTest {}
