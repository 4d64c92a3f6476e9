package dev.passage.resources;

/**
 * Something a judgement read from a snapshot, so that it is judged again when that changes: one
 * object (an {@link ObjectKey}, present or not), the ReferenceGrants of a namespace that may grant
 * one kind, the EndpointSlices of one Service, the BackendTLSPolicies naming one Service, the routes
 * whose backendRefs name one Service, the ListenerSets whose parentRef names one Gateway, or
 * every object of a kind. A batch of events
 * changes the inputs {@link ResourceIndex.Change#inputs} names; the controller re-judges exactly
 * the routes and Gateways that read one of them.
 */
public sealed interface Input permits ObjectKey, Input.Grants, Input.Slices, Input.Policies, Input.BackendUsers, Input.ListenerSets,
    Input.TrafficPolicies, Input.AllOf {
  /** The ReferenceGrants in namespace whose "to" names this group and kind. */
  record Grants(String namespace, String group, String kind) implements Input {}

  /** The EndpointSlices labelled with this Service's name. */
  record Slices(NamespacedName service) implements Input {}

  /** The BackendTLSPolicies whose targetRefs name this Service. */
  record Policies(NamespacedName service) implements Input {}

  /** The routes whose backendRefs name this Service (whether or not they may use it). */
  record BackendUsers(NamespacedName service) implements Input {}

  /** The ListenerSets whose parentRef names this Gateway (admitted by it or not). */
  record ListenerSets(NamespacedName gateway) implements Input {}

  /** The TrafficPolicies whose targetRefs name this object (a Gateway, TLSRoute, TCPRoute or Service). */
  record TrafficPolicies(ObjectKey target) implements Input {}

  /** Every object of a kind (a rule that looks at them all, such as the port allocation). */
  record AllOf(Kind kind) implements Input {}
}
