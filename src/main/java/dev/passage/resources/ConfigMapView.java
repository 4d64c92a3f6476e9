package dev.passage.resources;

/**
 * A ConfigMap as frontend client-certificate validation needs it: the PEM text of its ca.crt
 * (null when absent). Nothing else of a ConfigMap is kept.
 */
public record ConfigMapView(Meta meta, String caCrt) implements Resource {
  @Override
  public Resource withMeta(Meta other) {
    return new ConfigMapView(other, caCrt);
  }

  @Override
  public Kind kind() {
    return Kind.CONFIG_MAP;
  }
}
