package dev.passage.proxy;

import dev.passage.testkit.TlsProviderUnderTest;

/** {@link BackendTlsPolicyTest} with the JDK's TLS terminating the client side. */
@TlsProviderUnderTest("jdk")
class BackendTlsPolicyJdkTest extends BackendTlsPolicyTest {}
