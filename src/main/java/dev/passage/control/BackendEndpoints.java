package dev.passage.control;

import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceIndex;
import dev.passage.table.BackendKey;
import dev.passage.rules.BackendRules;
import dev.passage.rules.BackendTlsRules;
import dev.passage.table.EndpointsEntry;
import dev.passage.table.ResolvedBackend;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The endpoints the route table carries (with the TLS a BackendTLSPolicy asks for them): those of
 * every Service port some route's backendRefs name, counted by how many routes name it, and kept apart from the routes so that an
 * EndpointSlice change rewrites one small entry and judges no route. The controller's own state
 * (one thread): it tells which ports routes name, and which Services changed.
 */
final class BackendEndpoints {
  private final Map<BackendKey, Integer> named = new HashMap<>();
  private final Map<NamespacedName, Set<BackendKey>> byService = new HashMap<>();
  private final Map<BackendKey, EndpointsEntry> published = new HashMap<>();

  /**
   * A route now names after instead of before (either may be empty); returns the ports whose
   * naming started or ended, whose endpoints must be published or withdrawn.
   */
  Set<BackendKey> renamed(Set<BackendKey> before, Set<BackendKey> after) {
    Set<BackendKey> out = new HashSet<>();
    for (BackendKey k : before) {
      if (after.contains(k)) continue;
      int n = named.merge(k, -1, Integer::sum);
      if (n <= 0) {
        named.remove(k);
        Set<BackendKey> keys = byService.get(service(k));
        if (keys != null && keys.remove(k) && keys.isEmpty()) byService.remove(service(k));
        out.add(k);
      }
    }
    for (BackendKey k : after) {
      if (before.contains(k)) continue;
      if (named.merge(k, 1, Integer::sum) == 1) {
        byService.computeIfAbsent(service(k), s -> new HashSet<>()).add(k);
        out.add(k);
      }
    }
    return out;
  }

  /** The named ports of a Service (empty when no route names it). */
  Set<BackendKey> of(NamespacedName service) {
    return byService.getOrDefault(service, Set.of());
  }

  /**
   * The entries of these ports (endpoints and backend TLS), read again from the snapshot; returns
   * those that changed: an entry (with no endpoints when the port has none ready: the entry stays,
   * so that a node can tell "none ready" from "not arrived yet"), or null when no route names the
   * port any more (withdrawn).
   */
  Map<BackendKey, EndpointsEntry> refresh(ResourceIndex index, Collection<BackendKey> keys) {
    Map<BackendKey, EndpointsEntry> changed = new LinkedHashMap<>();
    for (BackendKey k : keys) {
      EndpointsEntry now = named.containsKey(k)
          ? new EndpointsEntry(k, BackendRules.endpoints(index, k), BackendTlsRules.forBackend(index, k),
              dev.passage.rules.TrafficPolicyRules.forBackend(index, k)) : null;
      EndpointsEntry was = published.get(k);
      if (java.util.Objects.equals(now, was)) continue;
      if (now == null) published.remove(k);
      else published.put(k, now);
      changed.put(k, now);
    }
    return changed;
  }

  private static NamespacedName service(BackendKey k) {
    return new NamespacedName(k.namespace(), k.service());
  }
}
