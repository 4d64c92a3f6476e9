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
 * passage.proxy.udp-idle-timeout. A flow counts in its route's series as a connection does (opened
 * at its first datagram, ended when it ends, with its bytes; a refused backend's share as refused).
 */
public final class UdpListeners {
  private final Executor dispatcher;
  private final Supplier<RouteTable> table;
  private final PassageSettings.Proxy settings;
  private final ProxyMetrics metrics;
  private final DataPlane dataPlane;

  public UdpListeners(Executor dispatcher, Supplier<RouteTable> table, PassageSettings.Proxy settings, DataPlane dataPlane) {
    this.dispatcher = dispatcher;
    this.table = table;
    this.settings = settings;
    this.dataPlane = dataPlane;
    this.metrics = dataPlane.metrics();
  }

  /** What a flow's events need: its listener's address, backend, endpoint and route series (null when off). */
  private record Tag(BindAddress bind, String backend, dev.passage.table.ResolvedBackend.Endpoint endpoint,
                     RouteMetrics.RouteStats stats) {}

  /** Binds host and the address's port now (or fails with the cause); the relay routes for address. */
  UdpRelay bind(BindAddress address, String host) throws IOException {
    return UdpRelay.bind(dispatcher, host, address.port(), client -> route(address), events(),
        settings.udpIdleTimeout(), settings.maxUdpFlows());
  }

  /** The node's counters, and each flow in its route's series. */
  private UdpRelay.Events events() {
    return new UdpRelay.Events() {
      @Override
      public void flowOpened(UdpRelay.Choice choice) {
        metrics.udpFlowOpened();
        if (choice.endpoint() != null && choice.tag() instanceof Tag t && t.stats() != null) t.stats().opened();
      }

      @Override
      public void flowClosed(java.net.InetSocketAddress client, UdpRelay.Choice choice, boolean evicted, long toBackend,
                             long toClient, long nanos) {
        metrics.udpFlowClosed(evicted);
        if (!(choice.tag() instanceof Tag t) || t.stats() == null) return;
        boolean routed = choice.endpoint() != null;
        t.stats().ended(new ConnectionHandler.Ended(client, t.bind(), null, choice.route(), t.backend(),
            routed ? t.endpoint() : null, routed ? null : ProxyMetrics.Refusal.BACKEND, choice.reason(), 0, 0, toBackend,
            toClient, nanos, 0), routed);
      }

      @Override
      public void datagram(boolean toBackend, int bytes) {
        metrics.udpDatagram(toBackend, bytes);
      }

      @Override
      public void dropped(String reason) {
        metrics.udpDropped();
      }
    };
  }

  private UdpRelay.Choice route(BindAddress address) {
    RouteTable t = table.get();
    Decision d = t.lookupWholePort(address);
    if (d instanceof Decision.Reject r) return new UdpRelay.Choice(null, null, r.reason());
    Decision.Forward f = (Decision.Forward) d;
    String route = f.route().route().toString();
    BackendChoice.Outcome o = BackendChoice.choose(f.route().backends(), t::endpoints, ThreadLocalRandom.current());
    if (o instanceof BackendChoice.Reject r) {
      Tag tag = new Tag(address, null, null, dataPlane.routeMetrics().stats(f.gateway(), f.listener(), route, null));
      return new UdpRelay.Choice(null, route, "route " + route + ": " + r.reason(), tag);
    }
    BackendChoice.Connect c = (BackendChoice.Connect) o;
    String backend = c.backend().name();
    Tag tag = new Tag(address, backend, c.endpoints().get(0),
        dataPlane.routeMetrics().stats(f.gateway(), f.listener(), route, backend));
    return new UdpRelay.Choice(ConnectionHandler.socketAddress(c.endpoints().get(0)), route, null, tag);
  }
}
