package dev.passage.proxy;

import dev.passage.config.PassageSettings;
import dev.passage.proxy.io.UdpRelay;
import dev.passage.table.BindAddress;
import dev.passage.table.Decision;
import dev.passage.table.RouteTable;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Binds UDP listeners ({@link UdpRelay}, one per address the route table names for a UDP
 * listener) and routes each new flow with the table current at its first datagram: the port's
 * UDPRoute (the oldest attached), then a backend by weight and one of its ready endpoints. A route
 * change applies to new flows; a flow keeps its endpoint until it is idle for
 * passage.proxy.udp-idle-timeout.
 */
public final class UdpListeners {
  private final Executor dispatcher;
  private final Supplier<RouteTable> table;
  private final PassageSettings.Proxy settings;
  private final ProxyMetrics metrics;

  public UdpListeners(Executor dispatcher, Supplier<RouteTable> table, PassageSettings.Proxy settings, ProxyMetrics metrics) {
    this.dispatcher = dispatcher;
    this.table = table;
    this.settings = settings;
    this.metrics = metrics;
  }

  /** Binds host and the address's port now (or fails with the cause); the relay routes for address. */
  UdpRelay bind(BindAddress address, String host) throws IOException {
    return UdpRelay.bind(dispatcher, host, address.port(), client -> route(address), metrics.udpEvents(),
        settings.udpIdleTimeout(), settings.maxUdpFlows());
  }

  private UdpRelay.Choice route(BindAddress address) {
    RouteTable t = table.get();
    Decision d = t.lookupWholePort(address);
    if (d instanceof Decision.Reject r) return new UdpRelay.Choice(null, null, r.reason());
    Decision.Forward f = (Decision.Forward) d;
    String route = f.route().route().toString();
    BackendChoice.Outcome o = BackendChoice.choose(f.route().backends(), t::endpoints, ThreadLocalRandom.current());
    if (o instanceof BackendChoice.Reject r) return new UdpRelay.Choice(null, route, "route " + route + ": " + r.reason());
    BackendChoice.Connect c = (BackendChoice.Connect) o;
    return new UdpRelay.Choice(ConnectionHandler.socketAddress(c.endpoints().get(0)), route, null);
  }
}
