package dev.passage.resources;

public record NamespaceView(Meta meta) implements Resource {
  @Override
  public Resource withMeta(Meta other) {
    return new NamespaceView(other);
  }

  @Override
  public Kind kind() {
    return Kind.NAMESPACE;
  }
}
