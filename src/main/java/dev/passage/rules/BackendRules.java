package dev.passage.rules;

import dev.passage.table.ResolvedBackend;
import dev.passage.table.BackendKey;
import dev.passage.resources.EndpointSliceView;
import dev.passage.resources.GroupKind;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.ServiceView;
import dev.passage.resources.RouteView;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Resolution of a route's backendRef: Service port, then the ready endpoints on its targetPort. */
public final class BackendRules {
  private BackendRules() {}

  public static ResolvedBackend resolve(ResourceIndex index, String routeKind, String routeNamespace,
                                        RouteView.BackendRef ref) {
    String namespace = ref.namespace() == null ? routeNamespace : ref.namespace();
    String name = namespace + "/" + ref.name() + (ref.port() == null ? "" : ":" + ref.port());
    boolean udp = udp(routeKind);
    String protocol = udp ? "UDP" : "TCP";
    if (!ref.group().isEmpty() || !"Service".equals(ref.kind())) {
      return failed(name, ref, "InvalidKind",
          "backendRef kind " + (ref.group().isEmpty() ? "" : ref.group() + "/") + ref.kind() + " is not supported");
    }
    if (!namespace.equals(routeNamespace)
        && !ReferenceGrants.permits(index, GroupKind.GATEWAY_GROUP, routeKind, routeNamespace, "", "Service",
            namespace, ref.name())) {
      return failed(name, ref, "RefNotPermitted",
          "no ReferenceGrant in namespace " + namespace + " allows " + routeKind + "s from " + routeNamespace
              + " to reach Service " + ref.name());
    }
    Optional<ServiceView> service = index.service(namespace, ref.name());
    if (service.isEmpty()) {
      return failed(name, ref, "BackendNotFound", "Service " + namespace + "/" + ref.name() + " not found");
    }
    if (ref.port() == null) {
      return failed(name, ref, "BackendNotFound", "backendRef to Service " + ref.name() + " needs a port");
    }
    Optional<ServiceView.Port> port = service.get().ports().stream()
        .filter(p -> p.port() == ref.port() && protocol.equals(p.protocol())).findFirst();
    if (port.isEmpty()) {
      return failed(name, ref, "BackendNotFound",
          "Service " + namespace + "/" + ref.name() + " has no " + protocol + " port " + ref.port());
    }
    return new ResolvedBackend(name, ref.weight(), new BackendKey(namespace, ref.name(), ref.port(), udp), null, null);
  }

  /** A UDPRoute's backends are Service ports of protocol UDP; every other route's, TCP. */
  private static boolean udp(String routeKind) {
    return "UDPRoute".equals(routeKind);
  }

  /** The Service port a backendRef names, whether or not the route may use it (null without a port or for another kind). */
  public static BackendKey named(String routeKind, String routeNamespace, RouteView.BackendRef ref) {
    if (!ref.group().isEmpty() || !"Service".equals(ref.kind()) || ref.port() == null) return null;
    return new BackendKey(ref.namespace() == null ? routeNamespace : ref.namespace(), ref.name(), ref.port(), udp(routeKind));
  }

  /** The Service port a key names (its number, over the key's protocol), or empty when the Service or the port is gone. */
  static Optional<ServiceView.Port> servicePort(ResourceIndex index, BackendKey key) {
    return index.service(key.namespace(), key.service()).flatMap(s -> s.ports().stream()
        .filter(p -> p.port() == key.port() && key.protocol().equals(p.protocol())).findFirst());
  }

  /** The name of the Service port a key names (what a policy's sectionName names), or null when it has none. */
  static String servicePortName(ResourceIndex index, BackendKey key) {
    return servicePort(index, key).map(ServiceView.Port::name).filter(n -> !n.isEmpty()).orElse(null);
  }

  /**
   * Ready endpoints of a Service port, from the EndpointSlices labelled with the Service's name:
   * the slice port named as the Service port is, over the key's protocol. Empty when the Service or the port is gone.
   */
  public static List<ResolvedBackend.Endpoint> endpoints(ResourceIndex index, BackendKey key) {
    Optional<ServiceView.Port> servicePort = servicePort(index, key);
    if (servicePort.isEmpty()) return List.of();
    Set<ResolvedBackend.Endpoint> out = new LinkedHashSet<>();
    for (EndpointSliceView slice : index.endpointSlices(key.namespace(), key.service())) {
      Integer target = null;
      for (EndpointSliceView.Port p : slice.ports()) {
        if (p.name().equals(servicePort.get().name()) && key.protocol().equals(p.protocol())) {
          target = p.port();
          break;
        }
      }
      if (target == null || target <= 0) continue;
      for (EndpointSliceView.Endpoint e : slice.endpoints()) {
        if (!e.ready()) continue;
        for (String address : e.addresses()) out.add(new ResolvedBackend.Endpoint(address, target));
      }
    }
    return List.copyOf(out);
  }

  private static ResolvedBackend failed(String name, RouteView.BackendRef ref, String reason, String message) {
    return new ResolvedBackend(name, ref.weight(), null, reason, message);
  }
}
