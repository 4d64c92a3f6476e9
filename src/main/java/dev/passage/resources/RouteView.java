package dev.passage.resources;

import java.util.List;

/**
 * A route of any served version: a TLSRoute (kind TLS_ROUTE), an HTTPRoute (kind HTTP_ROUTE) or a
 * TCPRoute or UDPRoute (kinds TCP_ROUTE, UDP_ROUTE: no hostnames, one rule of weighted backends, as a
 * TLSRoute's).
 * The backendRefs of every rule are kept in one list: TLSRoute rules carry no match, so
 * v1alpha2's several rules act as one weighted set (v1alpha3 and v1 allow exactly one rule).
 * An HTTPRoute also keeps its rules as written (httpRules; empty for a TLSRoute): matches,
 * filters and per-rule backends, which the HTTP data plane serves.
 */
public record RouteView(Kind kind, Meta meta, String apiVersion, List<ParentRef> parentRefs,
                        List<String> hostnames, List<BackendRef> backendRefs, List<HttpRuleView> httpRules)
    implements Resource {
  @Override
  public Resource withMeta(Meta other) {
    return new RouteView(kind, other, apiVersion, parentRefs, hostnames, backendRefs, httpRules);
  }

  public RouteView {
    if (kind != Kind.TLS_ROUTE && kind != Kind.HTTP_ROUTE && kind != Kind.TCP_ROUTE
        && kind != Kind.UDP_ROUTE) throw new IllegalArgumentException("not a route: " + kind);
    parentRefs = List.copyOf(parentRefs);
    hostnames = List.copyOf(hostnames);
    backendRefs = List.copyOf(backendRefs);
    httpRules = List.copyOf(httpRules);
  }

  public GroupKind groupKind() {
    return new GroupKind(GroupKind.GATEWAY_GROUP, kind.kindName());
  }

  /** namespace null means the route's own; sectionName and port null mean unset. */
  public record ParentRef(String group, String kind, String namespace, String name,
                          String sectionName, Integer port) {
    public ParentRef {
      group = group == null ? GroupKind.GATEWAY_GROUP : group;
      kind = kind == null ? "Gateway" : kind;
    }
  }

  /** group "" and kind Service are the core backend; weight defaults to 1. */
  /** The Services this route's backendRefs name (core Services, whatever their port; namespace defaulted). */
  public java.util.Set<NamespacedName> backendServices() {
    java.util.Set<NamespacedName> out = new java.util.LinkedHashSet<>();
    for (BackendRef b : backendRefs) {
      if (b.group().isEmpty() && "Service".equals(b.kind())) {
        out.add(new NamespacedName(b.namespace() == null ? meta.namespace() : b.namespace(), b.name()));
      }
    }
    return out;
  }

  public record BackendRef(String group, String kind, String namespace, String name, Integer port,
                           int weight) {
    public BackendRef {
      group = group == null ? "" : group;
      kind = kind == null ? "Service" : kind;
    }
  }
}
