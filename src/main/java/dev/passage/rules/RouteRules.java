package dev.passage.rules;

import dev.passage.table.Hostnames;
import dev.passage.table.ResolvedBackend;
import dev.passage.resources.GatewayView;
import dev.passage.resources.GroupKind;
import dev.passage.resources.ListenerSetView;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.RouteView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Attachment of a route (TLSRoute or HTTPRoute) to its parent Gateways, and its status. */
public final class RouteRules {
  private RouteRules() {}

  public static RouteEvaluation evaluate(RouteView route, ResourceIndex index, RulesSettings settings) {
    long gen = route.meta().generation();
    String routeNs = route.meta().namespace();
    List<ResolvedBackend> backends = route.backendRefs().stream()
        .map(b -> BackendRules.resolve(index, route.kind().kindName(), routeNs, b)).toList();
    Condition resolvedRefs = resolvedRefs(backends, gen);
    HttpRouteRules.Compiled http = route.kind() == dev.passage.resources.Kind.HTTP_ROUTE
        ? HttpRouteRules.compile(route, index) : null;

    List<RouteStatus.Parent> parents = new ArrayList<>();
    Map<NamespacedName, Map<String, Set<String>>> attached = new LinkedHashMap<>();
    Set<NamespacedName> parentGateways = new LinkedHashSet<>();
    for (RouteView.ParentRef ref : route.parentRefs()) {
      Optional<Parent> parent = parent(route, ref, index, settings);
      if (parent.isEmpty()) continue; // not ours, or not there: write no entry
      Optional<GatewayView> gateway = Optional.of(parent.get().gateway());
      parentGateways.add(gateway.get().meta().ref());
      Map<String, Set<String>> byListener = new LinkedHashMap<>();
      Condition accepted = attach(route, ref, parent.get(), index, byListener, gen);
      List<Condition> conditions = new ArrayList<>();
      if (accepted.holds() && http != null && http.rules().isEmpty()) {
        // every rule dropped: nothing of the route can be served
        HttpRouteRules.Dropped first = http.dropped().get(0);
        accepted = Condition.isFalse("Accepted", first.reason(), "no rule can be served: "
            + String.join("; ", http.dropped().stream().map(HttpRouteRules.Dropped::message).toList()), gen);
      }
      conditions.add(accepted);
      conditions.add(resolvedRefs);
      if (accepted.holds() && http != null && !http.dropped().isEmpty()) {
        conditions.add(Condition.isTrue("PartiallyInvalid", "UnsupportedValue", droppedMessage(http), gen));
      }
      if (accepted.holds()) {
        Map<String, Set<String>> into = attached.computeIfAbsent(gateway.get().meta().ref(), k -> new LinkedHashMap<>());
        byListener.forEach((l, hs) -> into.computeIfAbsent(l, k -> new LinkedHashSet<>()).addAll(hs));
      }
      RouteStatus.ParentRef echo = new RouteStatus.ParentRef(ref.group(), ref.kind(), ref.namespace(), ref.name(),
          ref.sectionName(), ref.port());
      parents.add(new RouteStatus.Parent(echo, settings.controllerName(), conditions));
    }
    Map<NamespacedName, RouteAttachment> attachments = new LinkedHashMap<>();
    dev.passage.table.ConnectionPolicy policy = attached.isEmpty() ? null : TrafficPolicyRules.forRoute(index, route.key());
    attached.forEach((gw, byListener) -> {
      Map<String, List<String>> hosts = new LinkedHashMap<>();
      byListener.forEach((l, hs) -> hosts.put(l, List.copyOf(hs)));
      // a TLSRoute's backends are the route's; an HTTPRoute's belong to its rules, and travel only there
      attachments.put(gw, new RouteAttachment(route.key(), route.meta().creationTimestamp(), hosts,
          http == null ? backends : List.of(), http == null ? List.of() : http.rules(), policy));
    });
    return new RouteEvaluation(new RouteStatus(parents), attachments, parentGateways);
  }

  /**
   * What a parentRef attaches to: a Gateway's own listeners, or a ListenerSet's (which belong to
   * its parent Gateway). what names it in messages; namespace is where allowedRoutes "Same"
   * points (the Gateway's or the ListenerSet's); notAdmitted says why the Gateway does not admit
   * the ListenerSet (null: it does, or the parent is a Gateway).
   */
  private record Parent(GatewayView gateway, String what, String namespace, List<ListenerResult> listeners,
                        String notAdmitted) {}

  /** The parent a parentRef names, when it is a Gateway Passage serves or a ListenerSet of one; else empty. */
  private static Optional<Parent> parent(RouteView route, RouteView.ParentRef ref, ResourceIndex index,
                                         RulesSettings settings) {
    if (!GroupKind.GATEWAY_GROUP.equals(ref.group())) return Optional.empty();
    String ns = ref.namespace() == null ? route.meta().namespace() : ref.namespace();
    if ("Gateway".equals(ref.kind())) {
      return index.gateway(ns, ref.name()).filter(g -> GatewayRules.isServedBy(g, index, settings)).map(g -> new Parent(g,
          "Gateway " + g.meta().ref(), g.meta().namespace(),
          // the same for every route of the Gateway in this snapshot: computed once
          index.derived(new AttachmentListeners(g.key()), ignored -> ListenerRules.forAttachment(g)), null));
    }
    if (!"ListenerSet".equals(ref.kind())) return Optional.empty();
    Optional<ListenerSetView> set = index.listenerSet(ns, ref.name());
    if (set.isEmpty() || set.get().parentGateway() == null) return Optional.empty();
    NamespacedName g = set.get().parentGateway();
    Optional<GatewayView> gateway = index.gateway(g.namespace(), g.name()).filter(v -> GatewayRules.isServedBy(v, index, settings));
    if (gateway.isEmpty()) return Optional.empty(); // its Gateway is not ours: nor is the ListenerSet
    ListenerRules.Merged merged = index.derived(new SetAttachmentListeners(gateway.get().key()),
        i -> ListenerRules.mergedForAttachment(gateway.get(), i));
    ListenerRules.SetListeners listeners = merged.set(set.get().key()).orElseThrow();
    String what = "ListenerSet " + set.get().meta().ref();
    boolean gatewayAccepted = gateway.get().infrastructureParametersRef() == null
        && merged.gateway().stream().anyMatch(ListenerResult::accepted);
    String refused = !listeners.admitted() ? "Gateway " + g + " does not allow ListenerSets from namespace " + ns
        : !gatewayAccepted ? "the parent of " + what + ", Gateway " + g + ", is not accepted" : null;
    return Optional.of(new Parent(gateway.get(), what, set.get().meta().namespace(), listeners.listeners(), refused));
  }

  /** Fills byListener with the hostnames the route serves on each listener (by key) it attaches to. */
  private static Condition attach(RouteView route, RouteView.ParentRef ref, Parent parent,
                                  ResourceIndex index, Map<String, Set<String>> byListener, long gen) {
    if (parent.notAdmitted() != null) {
      return Condition.isFalse("Accepted", "NotAllowedByListeners", parent.notAdmitted(), gen);
    }
    List<ListenerResult> candidates = parent.listeners().stream()
        .filter(l -> ref.sectionName() == null || ref.sectionName().equals(l.name()))
        .filter(l -> ref.port() == null || ref.port() == l.spec().port())
        .toList();
    if (candidates.isEmpty()) {
      return Condition.isFalse("Accepted", "NoMatchingParent",
          parent.what() + " has no listener matching"
              + (ref.sectionName() == null ? "" : " sectionName " + ref.sectionName())
              + (ref.port() == null ? "" : " port " + ref.port()), gen);
    }
    List<ListenerResult> allowed = candidates.stream()
        .filter(l -> l.accepted() && l.supports(route.groupKind()))
        .filter(l -> namespaceAllowed(l.spec().allowedRoutes(), parent.namespace(), route.meta().namespace(), index))
        .toList();
    if (allowed.isEmpty()) {
      return Condition.isFalse("Accepted", "NotAllowedByListeners",
          "no listener of " + parent.what() + " allows this " + route.kind().kindName(), gen);
    }
    List<String> routeHosts = route.hostnames().isEmpty() ? List.of(Hostnames.ANY) : route.hostnames();
    for (ListenerResult l : allowed) {
      for (String h : routeHosts) {
        Hostnames.intersect(l.spec().hostname(), h)
            .ifPresent(i -> byListener.computeIfAbsent(l.key(), k -> new LinkedHashSet<>()).add(i));
      }
    }
    if (byListener.isEmpty()) {
      return Condition.isFalse("Accepted", "NoMatchingListenerHostname",
          "no route hostname intersects a listener hostname of " + parent.what(), gen);
    }
    return Condition.isTrue("Accepted", "Accepted", "", gen);
  }

  /** The key of a Gateway's listeners as routes see them, derived once per snapshot. */
  private record AttachmentListeners(dev.passage.resources.ObjectKey gateway) {}

  /** The key of a Gateway's listeners and its ListenerSets' as routes see them, derived once per snapshot. */
  private record SetAttachmentListeners(dev.passage.resources.ObjectKey gateway) {}

  /** "Dropped Rule" and why, as the specification asks the message of PartiallyInvalid to start. */
  private static String droppedMessage(HttpRouteRules.Compiled http) {
    return "Dropped Rule" + (http.dropped().size() == 1 ? " " : "s ")
        + String.join("; ", http.dropped().stream().map(HttpRouteRules.Dropped::message).toList());
  }

  static boolean namespaceAllowed(GatewayView.AllowedRoutes allowed, String gatewayNs, String routeNs,
                                  ResourceIndex index) {
    return switch (allowed.from()) {
      case "All" -> true;
      case "Selector" -> allowed.selector() != null && allowed.selector().matches(index.namespaceLabels(routeNs));
      default -> gatewayNs.equals(routeNs); // Same, and anything unknown
    };
  }

  private static Condition resolvedRefs(List<ResolvedBackend> backends, long gen) {
    List<ResolvedBackend> failed = backends.stream().filter(b -> !b.valid()).toList();
    if (failed.isEmpty()) return Condition.isTrue("ResolvedRefs", "ResolvedRefs", "", gen);
    String message = String.join("; ", failed.stream().map(ResolvedBackend::failureMessage).toList());
    return Condition.isFalse("ResolvedRefs", failed.get(0).failureReason(), message, gen);
  }
}
