package dev.passage.resources;

import java.util.List;

/**
 * A TLSRoute of any served version. The backendRefs of every rule are kept in one list:
 * TLSRoute rules carry no match, so v1alpha2's several rules act as one weighted set
 * (v1alpha3 and v1 allow exactly one rule).
 */
public record TlsRouteView(Meta meta, String apiVersion, List<ParentRef> parentRefs,
                           List<String> hostnames, List<BackendRef> backendRefs) implements Resource {
  public TlsRouteView {
    parentRefs = List.copyOf(parentRefs);
    hostnames = List.copyOf(hostnames);
    backendRefs = List.copyOf(backendRefs);
  }

  @Override
  public Kind kind() {
    return Kind.TLS_ROUTE;
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
  public record BackendRef(String group, String kind, String namespace, String name, Integer port,
                           int weight) {
    public BackendRef {
      group = group == null ? "" : group;
      kind = kind == null ? "Service" : kind;
    }
  }
}
