package dev.passage.resources;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a computed status to an object's status subresource: read, merge, write only when
 * something really differs, retry on a conflict. Conditions keep their lastTransitionTime while
 * their status holds; a route's parent entries of other controllers
 * are kept as they are; a status whose conditions carry a newer generation than ours is left
 * alone (our snapshot is behind). A condition that turns False is also reported as an Event.
 */
public final class StatusPatcher {
  private static final Logger log = LoggerFactory.getLogger(StatusPatcher.class);
  private static final int ATTEMPTS = 5;

  public enum Outcome { WRITTEN, UNCHANGED, STALE, GONE }

  /**
   * What a write did, the fingerprint of Passage's part of the status the server holds after it
   * ({@link StoredStatus#ownedFingerprint}; 0 when none), and how many conflicts (409) it met and
   * retried on the way.
   */
  public record Result(Outcome outcome, int owned, int conflicts) {
    public Result(Outcome outcome, int owned) {
      this(outcome, owned, 0);
    }
  }

  /** The kinds whose status Passage writes (RBAC: get and update on KIND/status). */
  public static final List<Kind> STATUS_KINDS = List.of(Kind.GATEWAY_CLASS, Kind.GATEWAY, Kind.LISTENER_SET, Kind.TLS_ROUTE, Kind.HTTP_ROUTE, Kind.TCP_ROUTE, Kind.UDP_ROUTE,
      Kind.BACKEND_TLS_POLICY, Kind.TRAFFIC_POLICY);

  /** The resource name of a kind, as RBAC and the API paths spell it. */
  public static String plural(Kind kind) {
    String lower = kind.kindName().toLowerCase(java.util.Locale.ROOT);
    // a consonant and y: backendtlspolicies (a vowel and y keeps it: gateways)
    if (lower.endsWith("y") && "aeiou".indexOf(lower.charAt(lower.length() - 2)) < 0) {
      return lower.substring(0, lower.length() - 1) + "ies";
    }
    return lower + (lower.endsWith("s") ? "es" : "s");
  }

  private final KubernetesClient client;
  private final String controllerName;
  private final boolean events;

  public StatusPatcher(KubernetesClient client, String controllerName, boolean events) {
    this.client = client;
    this.controllerName = controllerName;
    this.events = events;
  }

  /** desired null: Passage has nothing to say of this object any more (its route entries go). */
  public Result write(ObjectKey key, String apiVersion, Object desired) {
    var resources = key.kind().namespaced()
        ? client.genericKubernetesResources(context(key.kind(), apiVersion)).inNamespace(key.namespace())
        : client.genericKubernetesResources(context(key.kind(), apiVersion));
    Map<String, Object> want = desired == null ? null : Json.JSON.convertValue(desired, Map.class);
    for (int attempt = 1; ; attempt++) {
      GenericKubernetesResource current = resources.withName(key.name()).get();
      int conflicts = attempt - 1;
      if (current == null) return new Result(Outcome.GONE, 0, conflicts);
      @SuppressWarnings("unchecked")
      Map<String, Object> old = (Map<String, Object>) current.getAdditionalProperties().get("status");
      Map<String, Object> merged = StoredStatus.merge(key.kind(), controllerName, old == null ? Map.of() : old, want,
          Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
      if (merged == null) return new Result(Outcome.STALE, owned(key, old), conflicts);
      if (Objects.equals(normalize(old), normalize(merged))) return new Result(Outcome.UNCHANGED, owned(key, old), conflicts);
      current.getAdditionalProperties().put("status", merged);
      try {
        resources.resource(current).updateStatus();
        if (events) reportTurnedFalse(current, old, merged);
        return new Result(Outcome.WRITTEN, owned(key, merged), conflicts);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) return new Result(Outcome.GONE, 0, conflicts);
        if (e.getCode() != 409 || attempt >= ATTEMPTS) throw e;
        log.debug("conflict writing the status of {}, attempt {}", key, attempt);
      }
    }
  }

  private int owned(ObjectKey key, Map<String, Object> status) {
    return StoredStatus.ownedFingerprint(key.kind(), controllerName, status);
  }

  static ResourceDefinitionContext context(Kind kind, String apiVersion) {
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind.kindName())
        .withPlural(plural(kind))
        .withNamespaced(kind.namespaced()).build();
  }

  /**
   * A fingerprint of a status as the server holds it, the same whatever the map's key order or
   * number types: the status written and the one a watch then reports compare equal.
   */
  public static int fingerprint(Object status) {
    if (status == null) return 0;
    StringBuilder b = new StringBuilder();
    canonical(Json.JSON.readTree(Json.JSON.writeValueAsString(status)), b);
    return b.toString().hashCode();
  }

  private static void canonical(tools.jackson.databind.JsonNode n, StringBuilder b) {
    if (n.isObject()) {
      java.util.TreeMap<String, tools.jackson.databind.JsonNode> fields = new java.util.TreeMap<>();
      n.properties().forEach(e -> fields.put(e.getKey(), e.getValue()));
      b.append('{');
      fields.forEach((k, v) -> {
        b.append(k).append(':');
        canonical(v, b);
        b.append(',');
      });
      b.append('}');
    } else if (n.isArray()) {
      b.append('[');
      n.forEach(v -> {
        canonical(v, b);
        b.append(',');
      });
      b.append(']');
    } else {
      b.append(n.toString());
    }
  }

  private static String normalize(Map<String, Object> status) {
    if (status == null) return "null";
    return Json.JSON.writeValueAsString(Json.JSON.readTree(Json.JSON.writeValueAsString(status)));
  }

  @SuppressWarnings("unchecked")
  private void reportTurnedFalse(GenericKubernetesResource obj, Map<String, Object> old, Map<String, Object> now) {
    Map<String, String> before = StoredStatus.falseConditions(controllerName, old == null ? Map.of() : old);
    for (Map.Entry<String, String> e : StoredStatus.falseConditions(controllerName, now).entrySet()) {
      if (e.getValue().equals(before.get(e.getKey()))) continue;
      String[] reasonAndMessage = e.getValue().split("\n", 2);
      try {
        String ts = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        var event = new EventBuilder()
            .withNewMetadata().withGenerateName(obj.getMetadata().getName() + ".")
            .withNamespace(obj.getMetadata().getNamespace() == null ? "default" : obj.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject().withApiVersion(obj.getApiVersion()).withKind(obj.getKind())
            .withName(obj.getMetadata().getName()).withNamespace(obj.getMetadata().getNamespace())
            .withUid(obj.getMetadata().getUid()).endInvolvedObject()
            .withType("Warning").withReason(reasonAndMessage[0])
            .withMessage(reasonAndMessage.length > 1 ? reasonAndMessage[1] : "")
            .withNewSource().withComponent("passage").endSource()
            .withFirstTimestamp(ts).withLastTimestamp(ts).withCount(1).build();
        client.v1().events().resource(event).create();
      } catch (KubernetesClientException ex) {
        log.debug("cannot record an Event on {} {}: {}", obj.getKind(), obj.getMetadata().getName(), ex.getMessage());
      }
    }
  }
}
