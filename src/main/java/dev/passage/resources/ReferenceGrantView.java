package dev.passage.resources;

import java.util.List;

public record ReferenceGrantView(Meta meta, List<From> from, List<To> to) implements Resource {
  @Override
  public Resource withMeta(Meta other) {
    return new ReferenceGrantView(other, from, to);
  }

  public ReferenceGrantView {
    from = List.copyOf(from);
    to = List.copyOf(to);
  }

  @Override
  public Kind kind() {
    return Kind.REFERENCE_GRANT;
  }

  public record From(String group, String kind, String namespace) {}

  /** name null covers every object of that group and kind in the grant's namespace. */
  public record To(String group, String kind, String name) {}
}
