package dev.passage.resources;

public record NamespaceView(Meta meta) implements Resource {
  @Override
  public Kind kind() {
    return Kind.NAMESPACE;
  }
}
