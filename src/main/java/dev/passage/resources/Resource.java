package dev.passage.resources;

/**
 * One object in Passage's internal view. Version differences (TLSRoute v1alpha2/v1alpha3/v1,
 * ReferenceGrant v1beta1/v1) are absorbed when the view is built, once, in {@link ModelAdapter}.
 */
public sealed interface Resource
    permits GatewayClassView, GatewayView, RouteView, ReferenceGrantView, ServiceView,
        EndpointSliceView, NamespaceView, SecretView, ConfigMapView, BackendTlsPolicyView, ListenerSetView,
        TrafficPolicyView {
  Meta meta();

  Kind kind();

  /** The same object with other metadata. */
  Resource withMeta(Meta other);

  default ObjectKey key() {
    return ObjectKey.of(kind(), meta().namespace(), meta().name());
  }
}
