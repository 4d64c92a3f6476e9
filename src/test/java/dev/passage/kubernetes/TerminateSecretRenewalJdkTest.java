package dev.passage.kubernetes;

import dev.passage.testkit.TlsProviderUnderTest;

/** Every case of {@link TerminateSecretRenewalTest} (a renewed Secret) again, terminated by the JDK's engine instead of BoringSSL. */
@TlsProviderUnderTest("jdk")
class TerminateSecretRenewalJdkTest extends TerminateSecretRenewalTest {}
