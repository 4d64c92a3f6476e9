package dev.passage.resources;

public record GatewayClassView(Meta meta, String controllerName) implements Resource {
  @Override
  public Kind kind() {
    return Kind.GATEWAY_CLASS;
  }
}
