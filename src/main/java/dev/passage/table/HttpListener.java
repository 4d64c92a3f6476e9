package dev.passage.table;

/**
 * An HTTP or HTTPS listener as a request finds it: which Gateway and listener, the listener's port
 * (what a redirect without a port keeps), whether it was reached over TLS, and its routes.
 */
public record HttpListener(String gateway, String listener, int port, boolean tls, HttpRoutes routes) {}
