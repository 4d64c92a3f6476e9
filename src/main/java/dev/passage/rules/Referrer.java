package dev.passage.rules;

import dev.passage.resources.GatewayView;
import dev.passage.resources.ListenerSetView;

/**
 * Who refers to a Secret or ConfigMap, as a ReferenceGrant's "from" names it: a Gateway, or a
 * ListenerSet for its own listeners (grants for the Gateway are not inherited by its
 * ListenerSets, nor the other way round). A reference without a namespace is in this one's.
 */
public record Referrer(String kind, String namespace) {
  public static Referrer of(GatewayView gateway) {
    return new Referrer("Gateway", gateway.meta().namespace());
  }

  public static Referrer of(ListenerSetView set) {
    return new Referrer("ListenerSet", set.meta().namespace());
  }
}
