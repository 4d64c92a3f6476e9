package dev.passage.rules;

import dev.passage.resources.GatewayView;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.ServiceView;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kubernetes mode's placement. Each served Gateway has a Service of its own, owned by the
 * Gateway and selecting the Passage pods; its ports are the listener ports and its targetPorts
 * are ports allocated per (Gateway, listener port) from a range, which every pod binds. An
 * allocation, once written into the Service, is kept; new ones take the lowest free port, in
 * the order of the Gateways' age. status.addresses: spec.addresses when given, else the
 * Service's load-balancer ingress, else its cluster IP.
 */
public final class ServicePlacement implements Placement.Policy {
  public static final String GATEWAY_LABEL = "passage.dev/gateway";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "passage";

  private final RulesSettings.Kubernetes settings;
  private final String controllerName;

  public ServicePlacement(String controllerName, RulesSettings.Kubernetes settings) {
    this.controllerName = controllerName;
    this.settings = settings;
  }

  /** The Service name for a Gateway: passage-NAME, shortened with a hash when over 63 characters. */
  public static String serviceName(String gatewayName) {
    String name = "passage-" + gatewayName;
    if (name.length() <= 63) return name;
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(gatewayName.getBytes(StandardCharsets.UTF_8));
      String hash = HexFormat.of().formatHex(h).substring(0, 10);
      String head = name.substring(0, 52);
      while (head.endsWith("-") || head.endsWith(".")) head = head.substring(0, head.length() - 1);
      return head + "-" + hash;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Placement place(GatewayView gateway, ResourceIndex index) {
    Map<Integer, Integer> ports = allocate(index).getOrDefault(gateway.meta().ref(), Map.of());
    List<GatewayStatus.Address> addresses = new ArrayList<>();
    Optional<ServiceView> service = index.service(gateway.meta().namespace(), serviceName(gateway.meta().name()));
    if (!gateway.addresses().isEmpty()) {
      gateway.addresses().forEach(a -> addresses.add(Placement.address(a)));
    } else if (service.isPresent() && !service.get().loadBalancerIngress().isEmpty()) {
      service.get().loadBalancerIngress().forEach(a -> addresses.add(Placement.address(a)));
    } else if (service.isPresent() && service.get().clusterIp() != null && !service.get().clusterIp().isBlank()) {
      addresses.add(Placement.address(service.get().clusterIp()));
    }
    return new Placement(List.of(dev.passage.table.GatewayTable.ANY_NODE), ports, addresses);
  }

  /** The targetPort of every (Gateway, listener port) of every served Gateway. */
  public Map<NamespacedName, Map<Integer, Integer>> allocate(ResourceIndex index) {
    RulesSettings probe = new RulesSettings(controllerName, this);
    List<GatewayView> served = new ArrayList<>(index.gateways().stream()
        .filter(g -> GatewayRules.isServedBy(g, index, probe)).toList());
    served.sort(Comparator.comparing((GatewayView g) -> g.meta().creationTimestamp()).thenComparing(g -> g.meta().ref()));
    Map<NamespacedName, Map<Integer, Integer>> out = new LinkedHashMap<>();
    Set<Integer> taken = new HashSet<>();
    // first pass: keep what the Services already record
    for (GatewayView g : served) {
      Map<Integer, Integer> ports = new HashMap<>();
      Set<Integer> listenerPorts = listenerPorts(g, index);
      index.service(g.meta().namespace(), serviceName(g.meta().name())).ifPresent(svc -> {
        for (ServiceView.Port p : svc.ports()) {
          Integer t = p.targetPortNumber();
          if (t != null && inRange(t) && listenerPorts.contains(p.port()) && taken.add(t)) ports.put(p.port(), t);
        }
      });
      out.put(g.meta().ref(), ports);
    }
    // second pass: allocate the rest, lowest free port first
    int next = settings.portRangeStart();
    for (GatewayView g : served) {
      Map<Integer, Integer> ports = out.get(g.meta().ref());
      for (int listenerPort : listenerPorts(g, index)) {
        if (ports.containsKey(listenerPort)) continue;
        while (next <= settings.portRangeEnd() && taken.contains(next)) next++;
        if (next > settings.portRangeEnd()) break; // range exhausted: the listener gets no port
        taken.add(next);
        ports.put(listenerPort, next);
      }
      out.put(g.meta().ref(), Map.copyOf(ports));
    }
    return out;
  }

  private boolean inRange(int port) {
    return port >= settings.portRangeStart() && port <= settings.portRangeEnd();
  }

  /** The ports of a Gateway's listeners (and of its admitted ListenerSets') that carry UDP (udp) or TCP (not udp). */
  public static Set<Integer> ports(GatewayView g, ResourceIndex index, boolean udp) {
    Set<Integer> ports = new TreeSet<>();
    for (GatewayView.Listener l : listeners(g, index)) if ("UDP".equals(l.protocol()) == udp) ports.add(l.port());
    return ports;
  }

  /** The ports of a Gateway's listeners and of those the ListenerSets it admits add. */
  private static Set<Integer> listenerPorts(GatewayView g, ResourceIndex index) {
    Set<Integer> ports = new TreeSet<>();
    for (GatewayView.Listener l : listeners(g, index)) ports.add(l.port());
    return ports;
  }

  /** A Gateway's listeners, then those of the ListenerSets it admits. */
  private static List<GatewayView.Listener> listeners(GatewayView g, ResourceIndex index) {
    List<GatewayView.Listener> out = new ArrayList<>(g.listeners());
    for (var set : index.listenerSets(g.meta().ref())) {
      if (ListenerRules.admits(g, set.meta().namespace(), index)) out.addAll(set.listeners());
    }
    return out;
  }
}
