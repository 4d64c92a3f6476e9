package dev.passage.resources;

/** A Secret as listeners' certificateRefs need it: its type and the PEM texts of tls.crt and tls.key. */
public record SecretView(Meta meta, String type, String tlsCrt, String tlsKey) implements Resource {
  @Override
  public Resource withMeta(Meta other) {
    return new SecretView(other, type, tlsCrt, tlsKey);
  }

  @Override
  public Kind kind() {
    return Kind.SECRET;
  }

  @Override
  public String toString() {
    return "SecretView[" + meta.namespace() + "/" + meta.name() + ", type=" + type + "]"; // never the key
  }
}
