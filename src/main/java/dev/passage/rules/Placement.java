package dev.passage.rules;

import dev.passage.resources.GatewayView;
import dev.passage.resources.ResourceIndex;
import java.util.List;
import java.util.Map;

/**
 * Where a Gateway's listeners are served, and the addresses its status reports. Standalone, a
 * Gateway binds its own addresses on its listeners' ports; in Kubernetes every Passage pod binds
 * the ports allocated to the Gateway, and its Service maps the listener ports onto them.
 */
public record Placement(List<String> bindHosts, Map<Integer, Integer> bindPorts, List<GatewayStatus.Address> addresses) {
  public Placement {
    bindHosts = List.copyOf(bindHosts);
    bindPorts = Map.copyOf(bindPorts);
    addresses = List.copyOf(addresses);
  }

  /** The port the data plane binds for a listener port (the same port unless one was allocated). */
  public int bindPort(int listenerPort) {
    return bindPorts.getOrDefault(listenerPort, listenerPort);
  }

  /** Decides the placement of each Gateway; a pure function of the Gateway and the snapshot. */
  public interface Policy {
    Placement place(GatewayView gateway, ResourceIndex index);
  }

  static GatewayStatus.Address address(String value) {
    return new GatewayStatus.Address(isIpLiteral(value) ? "IPAddress" : "Hostname", value);
  }

  /** Whether an address is an IPv4 or IPv6 literal rather than a name. */
  public static boolean isIpLiteral(String address) {
    return address.contains(":") || address.chars().allMatch(c -> c == '.' || Character.isDigit(c));
  }

  /** Standalone: spec.addresses, else the configured bind address, on the listeners' own ports. */
  public static Policy standalone(String defaultAddress) {
    return (gateway, index) -> {
      List<String> hosts = gateway.addresses().isEmpty() ? List.of(defaultAddress) : gateway.addresses();
      return new Placement(hosts, Map.of(), hosts.stream().map(Placement::address).toList());
    };
  }
}
