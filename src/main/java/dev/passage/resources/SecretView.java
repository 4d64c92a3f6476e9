package dev.passage.resources;

/**
 * A Secret as Passage reads it: its type and the PEM texts of tls.crt and tls.key (what listeners'
 * certificateRefs need), and ticket-key (base64 of its bytes; the Secret passage.tls.session-tickets.secret
 * names holds it). Absent entries are null.
 */
public record SecretView(Meta meta, String type, String tlsCrt, String tlsKey, String ticketKey) implements Resource {
  public SecretView(Meta meta, String type, String tlsCrt, String tlsKey) {
    this(meta, type, tlsCrt, tlsKey, null);
  }

  @Override
  public Resource withMeta(Meta other) {
    return new SecretView(other, type, tlsCrt, tlsKey, ticketKey);
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
