package dev.passage.resources;

/** parametersRef describes spec.parametersRef when set ("group/kind namespace/name"), else null. */
public record GatewayClassView(Meta meta, String controllerName, String parametersRef) implements Resource {
  @Override
  public Resource withMeta(Meta other) {
    return new GatewayClassView(other, controllerName, parametersRef);
  }

  @Override
  public Kind kind() {
    return Kind.GATEWAY_CLASS;
  }
}
