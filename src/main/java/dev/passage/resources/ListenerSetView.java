package dev.passage.resources;

import java.util.List;

/**
 * A ListenerSet (gateway.networking.k8s.io/v1): listeners that an application team adds to a
 * Gateway it does not own. parentGateway is the Gateway its parentRef names (the namespace
 * defaulted to the ListenerSet's), or null when the parentRef names something other than a
 * Gateway. Its listeners have a Gateway listener's shape; their certificateRefs and
 * allowedRoutes "Same" are relative to the ListenerSet's namespace, not the Gateway's.
 */
public record ListenerSetView(Meta meta, NamespacedName parentGateway, List<GatewayView.Listener> listeners)
    implements Resource {
  public ListenerSetView {
    listeners = List.copyOf(listeners);
  }

  @Override
  public Resource withMeta(Meta other) {
    return new ListenerSetView(other, parentGateway, listeners);
  }

  @Override
  public Kind kind() {
    return Kind.LISTENER_SET;
  }
}
