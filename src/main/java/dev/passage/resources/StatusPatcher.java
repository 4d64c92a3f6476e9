package dev.passage.resources;

import dev.passage.ops.Json;
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

  /** What a write did, and a fingerprint of the status the server holds after it (0 when unknown). */
  public record Result(Outcome outcome, int serverStatus) {}

  /** The kinds whose status Passage writes (RBAC: get and update on KIND/status). */
  public static final List<Kind> STATUS_KINDS = List.of(Kind.GATEWAY_CLASS, Kind.GATEWAY, Kind.TLS_ROUTE, Kind.HTTP_ROUTE);

  /** The resource name of a kind, as RBAC and the API paths spell it. */
  public static String plural(Kind kind) {
    return kind.kindName().toLowerCase(java.util.Locale.ROOT) + (kind.kindName().endsWith("s") ? "es" : "s");
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
      if (current == null) return new Result(Outcome.GONE, 0);
      @SuppressWarnings("unchecked")
      Map<String, Object> old = (Map<String, Object>) current.getAdditionalProperties().get("status");
      Map<String, Object> merged = merge(key.kind(), old == null ? Map.of() : old, want);
      if (merged == null) return new Result(Outcome.STALE, fingerprint(old));
      if (Objects.equals(normalize(old), normalize(merged))) return new Result(Outcome.UNCHANGED, fingerprint(old));
      current.getAdditionalProperties().put("status", merged);
      try {
        resources.resource(current).updateStatus();
        if (events) reportTurnedFalse(current, old, merged);
        return new Result(Outcome.WRITTEN, fingerprint(merged));
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) return new Result(Outcome.GONE, 0);
        if (e.getCode() != 409 || attempt >= ATTEMPTS) throw e;
        log.debug("conflict writing the status of {}, attempt {}", key, attempt);
      }
    }
  }

  static ResourceDefinitionContext context(Kind kind, String apiVersion) {
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind.kindName())
        .withPlural(plural(kind))
        .withNamespaced(kind.namespaced()).build();
  }

  /** The status to write, or null when the one there is newer than ours. */
  @SuppressWarnings("unchecked")
  Map<String, Object> merge(Kind kind, Map<String, Object> old, Map<String, Object> want) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, Object> out = new LinkedHashMap<>(old);
    if (kind == Kind.TLS_ROUTE || kind == Kind.HTTP_ROUTE) {
      List<Map<String, Object>> oldParents = (List<Map<String, Object>>) old.getOrDefault("parents", List.of());
      List<Map<String, Object>> parents = new ArrayList<>();
      Map<String, Map<String, Object>> ours = new HashMap<>();
      for (Map<String, Object> p : oldParents) {
        if (controllerName.equals(p.get("controllerName"))) ours.put(refKey(p), p);
        else parents.add(p); // another controller's entry: untouched
      }
      List<Map<String, Object>> wanted = want == null ? List.of()
          : (List<Map<String, Object>>) want.getOrDefault("parents", List.of());
      for (Map<String, Object> p : wanted) {
        Map<String, Object> before = ours.get(refKey(p));
        if (before != null && newerThanOurs(before, p)) return null;
        Map<String, Object> entry = new LinkedHashMap<>(p);
        entry.put("conditions", conditions((List<Map<String, Object>>) p.get("conditions"),
            before == null ? List.of() : (List<Map<String, Object>>) before.get("conditions"), now));
        parents.add(entry);
      }
      out.put("parents", parents);
      return out;
    }
    if (want == null) return old; // a Gateway or class Passage no longer serves: leave its last word
    if (newerThanOurs(old, want)) return null;
    for (Map.Entry<String, Object> e : want.entrySet()) {
      if (e.getKey().equals("conditions")) {
        out.put("conditions", conditions((List<Map<String, Object>>) e.getValue(),
            (List<Map<String, Object>>) old.getOrDefault("conditions", List.of()), now));
      } else if (e.getKey().equals("listeners")) {
        Map<String, Map<String, Object>> oldListeners = new HashMap<>();
        for (Map<String, Object> l : (List<Map<String, Object>>) old.getOrDefault("listeners", List.of())) {
          oldListeners.put(String.valueOf(l.get("name")), l);
        }
        List<Map<String, Object>> listeners = new ArrayList<>();
        for (Map<String, Object> l : (List<Map<String, Object>>) e.getValue()) {
          Map<String, Object> before = oldListeners.getOrDefault(String.valueOf(l.get("name")), Map.of());
          Map<String, Object> entry = new LinkedHashMap<>(l);
          entry.put("conditions", conditions((List<Map<String, Object>>) l.get("conditions"),
              (List<Map<String, Object>>) before.getOrDefault("conditions", List.of()), now));
          listeners.add(entry);
        }
        out.put("listeners", listeners);
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /**
   * Our conditions, one per type, each keeping the lastTransitionTime it had while its status
   * holds. Passage owns every condition of what it writes, so a type it no longer sets goes: a
   * stale condition would carry an old observedGeneration.
   */
  private static List<Map<String, Object>> conditions(List<Map<String, Object>> want, List<Map<String, Object>> old,
                                                      String now) {
    Map<String, Map<String, Object>> previous = new HashMap<>();
    for (Map<String, Object> c : old) previous.put(String.valueOf(c.get("type")), c);
    Map<String, Map<String, Object>> byType = new LinkedHashMap<>();
    for (Map<String, Object> c : want) {
      Map<String, Object> before = previous.get(String.valueOf(c.get("type")));
      Map<String, Object> entry = new LinkedHashMap<>(c);
      boolean same = before != null && Objects.equals(before.get("status"), c.get("status"))
          && before.get("lastTransitionTime") != null;
      entry.put("lastTransitionTime", same ? before.get("lastTransitionTime") : now);
      byType.put(String.valueOf(c.get("type")), entry);
    }
    return new ArrayList<>(byType.values());
  }

  /** Whether a status already written carries a newer generation than the one we computed. */
  @SuppressWarnings("unchecked")
  private static boolean newerThanOurs(Map<String, Object> written, Map<String, Object> want) {
    long ours = maxGeneration((List<Map<String, Object>>) want.getOrDefault("conditions", List.of()));
    long theirs = maxGeneration((List<Map<String, Object>>) written.getOrDefault("conditions", List.of()));
    return theirs > ours;
  }

  private static long maxGeneration(List<Map<String, Object>> conditions) {
    long max = 0;
    for (Map<String, Object> c : conditions) {
      if (c.get("observedGeneration") instanceof Number n) max = Math.max(max, n.longValue());
    }
    return max;
  }

  @SuppressWarnings("unchecked")
  private static String refKey(Map<String, Object> parent) {
    Map<String, Object> ref = (Map<String, Object>) parent.getOrDefault("parentRef", Map.of());
    return ref.get("group") + "/" + ref.get("kind") + "/" + ref.get("namespace") + "/" + ref.get("name") + "/"
        + ref.get("sectionName") + "/" + ref.get("port");
  }

  /** The status as JSON text with numbers and key order made comparable. */
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
    Map<String, String> before = falseConditions(old == null ? Map.of() : old);
    for (Map.Entry<String, String> e : falseConditions(now).entrySet()) {
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

  /** Our False conditions, keyed by where they are, valued "reason\nmessage". */
  @SuppressWarnings("unchecked")
  private Map<String, String> falseConditions(Map<String, Object> status) {
    Map<String, String> out = new HashMap<>();
    Consumer3 collect = (prefix, conditions) -> {
      for (Map<String, Object> c : conditions) {
        if ("False".equals(c.get("status")) && !"Conflicted".equals(c.get("type"))) {
          out.put(prefix + c.get("type"), c.get("reason") + "\n" + c.get("message"));
        }
      }
    };
    collect.accept("", (List<Map<String, Object>>) status.getOrDefault("conditions", List.of()));
    for (Map<String, Object> l : (List<Map<String, Object>>) status.getOrDefault("listeners", List.of())) {
      collect.accept("listener " + l.get("name") + " ", (List<Map<String, Object>>) l.getOrDefault("conditions", List.of()));
    }
    for (Map<String, Object> p : (List<Map<String, Object>>) status.getOrDefault("parents", List.of())) {
      if (controllerName.equals(p.get("controllerName"))) {
        collect.accept("parent " + refKey(p) + " ", (List<Map<String, Object>>) p.getOrDefault("conditions", List.of()));
      }
    }
    return out;
  }

  private interface Consumer3 {
    void accept(String prefix, List<Map<String, Object>> conditions);
  }
}
