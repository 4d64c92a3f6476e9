package dev.passage.resources;

/** Identifies one object: its kind, namespace ("" for cluster-scoped kinds) and name. */
public record ObjectKey(Kind kind, String namespace, String name) implements Comparable<ObjectKey>, Input {
  public ObjectKey {
    namespace = namespace == null ? "" : namespace;
  }

  public static ObjectKey of(Kind kind, String namespace, String name) {
    return new ObjectKey(kind, kind.namespaced() ? namespace : "", name);
  }

  public NamespacedName ref() {
    return new NamespacedName(namespace, name);
  }

  @Override
  public int compareTo(ObjectKey o) {
    int c = kind.compareTo(o.kind);
    if (c != 0) return c;
    c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return kind.kindName() + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
  }
}
