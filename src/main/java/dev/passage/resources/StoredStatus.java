package dev.passage.resources;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A status as Kubernetes stores it, made from the one stored before and the one computed now:
 * conditions keep their lastTransitionTime while their status holds; a route's parent entries (a
 * policy's ancestor entries) of other controllers are kept as they are; a status whose conditions carry a newer generation than
 * ours is left alone. The status writer applies it to what the API server holds; standalone
 * Passage applies it to what it showed before, so both modes show the same shape.
 */
public final class StoredStatus {
  private StoredStatus() {}

  /** The top-level status fields Passage writes, for the kinds whose whole status is its own. */
  private static final Map<Kind, List<String>> OWNED_FIELDS = Map.of(
      Kind.GATEWAY_CLASS, List.of("conditions", "supportedFeatures"),
      Kind.GATEWAY, List.of("addresses", "conditions", "listeners", "attachedListenerSets"),
      Kind.LISTENER_SET, List.of("conditions", "listeners"));

  /** The status to write, or null when the one there is newer than ours. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> merge(Kind kind, String controllerName, Map<String, Object> old,
                                         Map<String, Object> want, String now) {
    Map<String, Object> out = new LinkedHashMap<>(old);
    String[] shared = kind.sharedStatusList();
    if (shared != null) {
      String list = shared[0];
      String refField = shared[1];
      List<Map<String, Object>> oldParents = (List<Map<String, Object>>) old.getOrDefault(list, List.of());
      List<Map<String, Object>> parents = new ArrayList<>();
      Map<String, Map<String, Object>> ours = new HashMap<>();
      for (Map<String, Object> p : oldParents) {
        if (controllerName.equals(p.get("controllerName"))) ours.put(refKey(p, refField), p);
        else parents.add(p); // another controller's entry: untouched
      }
      List<Map<String, Object>> wanted = want == null ? List.of()
          : (List<Map<String, Object>>) want.getOrDefault(list, List.of());
      for (Map<String, Object> p : wanted) {
        Map<String, Object> before = ours.get(refKey(p, refField));
        if (before != null && newerThanOurs(before, p)) return null;
        Map<String, Object> entry = new LinkedHashMap<>(p);
        entry.put("conditions", conditions((List<Map<String, Object>>) p.get("conditions"),
            before == null ? List.of() : (List<Map<String, Object>>) before.get("conditions"), now));
        parents.add(entry);
      }
      out.put(list, parents);
      return out;
    }
    if (want == null) return old; // a Gateway or class Passage no longer serves: leave its last word
    if (newerThanOurs(old, want)) return null;
    // a field Passage writes for this kind and no longer says goes (a Gateway that stops admitting
    // ListenerSets has no attachedListenerSets); fields it never writes are left as they are
    for (String field : OWNED_FIELDS.getOrDefault(kind, List.of())) if (!want.containsKey(field)) out.remove(field);
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
  private static String refKey(Map<String, Object> parent, String refField) {
    Map<String, Object> ref = (Map<String, Object>) parent.getOrDefault(refField, Map.of());
    return ref.get("group") + "/" + ref.get("kind") + "/" + ref.get("namespace") + "/" + ref.get("name") + "/"
        + ref.get("sectionName") + "/" + ref.get("port");
  }

  /**
   * A fingerprint of what Passage owns of a status, every lastTransitionTime left out: a route's
   * parent entries of controllerName, in order; the whole status of a Gateway or GatewayClass. Two
   * statuses with the same fingerprint differ in nothing a write of Passage's would change, so the
   * status writer compares the one it wants with the one the API server holds (as the watches
   * report it) before it asks the server anything. status null: nothing of Passage's.
   */
  @SuppressWarnings("unchecked")
  public static int ownedFingerprint(Kind kind, String controllerName, Map<String, Object> status) {
    if (status == null) return 0;
    Object owned;
    String[] shared = kind.sharedStatusList();
    if (shared != null) {
      List<Object> ours = new ArrayList<>();
      for (Map<String, Object> p : (List<Map<String, Object>>) status.getOrDefault(shared[0], List.of())) {
        if (controllerName.equals(p.get("controllerName"))) ours.add(withoutTimes(p));
      }
      if (ours.isEmpty()) return 0;
      owned = ours;
    } else {
      owned = withoutTimes(status);
      if (((Map<String, Object>) owned).isEmpty()) return 0;
    }
    return StatusPatcher.fingerprint(owned);
  }

  /**
   * A copy without lastTransitionTime, at any depth, and without nulls and empty lists or maps
   * (which the API server's copy leaves out: "addresses: []" is stored as no addresses).
   */
  @SuppressWarnings("unchecked")
  private static Object withoutTimes(Object value) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      ((Map<String, Object>) m).forEach((k, v) -> {
        if (k.equals("lastTransitionTime") || v == null) return;
        if (v instanceof java.util.Collection<?> c && c.isEmpty()) return;
        if (v instanceof Map<?, ?> vm && vm.isEmpty()) return;
        out.put(k, withoutTimes(v));
      });
      return out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object v : l) out.add(withoutTimes(v));
      return out;
    }
    return value;
  }

  /** Our False conditions, keyed by where they are, valued "reason\nmessage". */
  @SuppressWarnings("unchecked")
  public static Map<String, String> falseConditions(String controllerName, Map<String, Object> status) {
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
        collect.accept("parent " + parentName(p, "parentRef") + " ", (List<Map<String, Object>>) p.getOrDefault("conditions", List.of()));
      }
    }
    for (Map<String, Object> p : (List<Map<String, Object>>) status.getOrDefault("ancestors", List.of())) {
      if (controllerName.equals(p.get("controllerName"))) {
        collect.accept("ancestor " + parentName(p, "ancestorRef") + " ",
            (List<Map<String, Object>>) p.getOrDefault("conditions", List.of()));
      }
    }
    return out;
  }

  /** How a parentRef reads in a log line: "Gateway default/gw", with its section and port when set. */
  @SuppressWarnings("unchecked")
  private static String parentName(Map<String, Object> parent, String refField) {
    Map<String, Object> ref = (Map<String, Object>) parent.getOrDefault(refField, Map.of());
    String out = ref.getOrDefault("kind", "Gateway") + " " + (ref.get("namespace") == null ? "" : ref.get("namespace") + "/")
        + ref.get("name");
    if (ref.get("sectionName") != null) out += " section " + ref.get("sectionName");
    if (ref.get("port") != null) out += " port " + ref.get("port");
    return out;
  }

  private interface Consumer3 {
    void accept(String prefix, List<Map<String, Object>> conditions);
  }
}
