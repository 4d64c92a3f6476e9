package dev.passage.resources;

public record NamespacedName(String namespace, String name) implements Comparable<NamespacedName> {
  @Override
  public int compareTo(NamespacedName o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
