package dev.passage.http;

import dev.passage.testkit.TlsProviderUnderTest;

/** Every case of {@link HttpRouteTest} (HTTPS listeners with HTTPRoutes (and plain HTTP)) again, terminated by the JDK's engine instead of BoringSSL. */
@TlsProviderUnderTest("jdk")
class HttpRouteJdkTest extends HttpRouteTest {}
