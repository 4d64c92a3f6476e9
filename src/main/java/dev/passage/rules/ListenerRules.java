package dev.passage.rules;

import dev.passage.table.Hostnames;
import dev.passage.resources.GatewayView;
import dev.passage.resources.GatewayView.Listener;
import dev.passage.resources.GroupKind;
import dev.passage.resources.ListenerSetView;
import dev.passage.resources.ResourceIndex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Validation of listeners: a Gateway's own, and those its ListenerSets add (protocol, TLS mode,
 * route kinds, certificates, conflicts). Within one Gateway, or within one ListenerSet, no
 * conflicting listener wins; across them precedence decides (the Gateway's listeners first, then
 * ListenerSets oldest first, then by namespace and name): a listener yields to any listener of
 * higher precedence that holds its port and conflicts with it.
 */
public final class ListenerRules {
  static final GroupKind HTTP_ROUTE = new GroupKind(GroupKind.GATEWAY_GROUP, "HTTPRoute");

  private ListenerRules() {}

  /** A ListenerSet naming a Gateway: whether the Gateway admits it, and its listeners judged (none when not admitted). */
  public record SetListeners(ListenerSetView set, boolean admitted, List<ListenerResult> listeners) {
    public SetListeners {
      listeners = List.copyOf(listeners);
    }
  }

  /** A Gateway's listeners and its ListenerSets', judged together. */
  public record Merged(List<ListenerResult> gateway, List<SetListeners> sets) {
    public Merged {
      gateway = List.copyOf(gateway);
      sets = List.copyOf(sets);
    }

    /** The ListenerSet's listeners, or empty when it does not name this Gateway. */
    public Optional<SetListeners> set(dev.passage.resources.ObjectKey key) {
      return sets.stream().filter(s -> s.set().key().equals(key)).findFirst();
    }
  }

  /** Every listener of the Gateway judged, its certificateRefs included: what its status says. */
  public static List<ListenerResult> evaluate(GatewayView gateway, ResourceIndex index) {
    return evaluate(gateway, index, true);
  }

  /**
   * The listeners as a route attaching to them sees them: which are accepted and which route kinds
   * each supports, from the Gateway alone. Certificates do not decide attachment, so they are not
   * read, and a route is not judged again when a Secret changes; the conditions returned leave
   * them out and are not the listener's status.
   */
  public static List<ListenerResult> forAttachment(GatewayView gateway) {
    return evaluate(gateway, ResourceIndex.EMPTY, false);
  }

  /** The Gateway's listeners and every ListenerSet's naming it, certificates included: what their statuses say. */
  public static Merged merged(GatewayView gateway, ResourceIndex index) {
    return merged(gateway, index, true);
  }

  /** As {@link #merged} for routes attaching to a ListenerSet: certificates are not read (see {@link #forAttachment}). */
  public static Merged mergedForAttachment(GatewayView gateway, ResourceIndex index) {
    return merged(gateway, index, false);
  }

  /** Whether the Gateway's allowedListeners admits ListenerSets from this namespace. */
  public static boolean admits(GatewayView gateway, String namespace, ResourceIndex index) {
    GatewayView.AllowedListeners allowed = gateway.allowedListeners();
    return switch (allowed.from()) {
      case "All" -> true;
      case "Same" -> gateway.meta().namespace().equals(namespace);
      case "Selector" -> allowed.selector() != null && allowed.selector().matches(index.namespaceLabels(namespace));
      default -> false; // None, and anything unknown
    };
  }

  private static Merged merged(GatewayView gateway, ResourceIndex index, boolean certificates) {
    List<ListenerResult> own = evaluate(gateway, index, certificates);
    List<ListenerResult> held = new ArrayList<>(); // the listeners that hold their ports, in precedence order
    own.stream().filter(ListenerResult::served).forEach(held::add);
    List<SetListeners> sets = new ArrayList<>();
    for (ListenerSetView set : index.listenerSets(gateway.meta().ref())) {
      if (!admits(gateway, set.meta().namespace(), index)) {
        sets.add(new SetListeners(set, false, List.of()));
        continue;
      }
      // first what yields to listeners of higher precedence; the rest conflict among themselves with no winner
      List<Listener> ls = set.listeners();
      List<String> reasons = new ArrayList<>();
      List<Listener> remaining = new ArrayList<>();
      for (Listener l : ls) {
        String yields = yieldsTo(held, l);
        reasons.add(yields);
        if (yields == null) remaining.add(l);
      }
      Map<Integer, String> among = conflictsByIndex(remaining);
      for (int i = 0, r = 0; i < ls.size(); i++) {
        if (reasons.get(i) == null) reasons.set(i, among.get(r++));
      }
      List<ListenerResult> results = new ArrayList<>();
      for (int i = 0; i < ls.size(); i++) {
        Listener l = ls.get(i);
        results.add(evaluate(gateway, Referrer.of(set), l, reasons.get(i), index, certificates, set.meta().generation())
            .withKey(ListenerResult.key(set, l.name())));
      }
      results.stream().filter(ListenerResult::served).forEach(held::add);
      sets.add(new SetListeners(set, true, results));
    }
    return new Merged(own, sets);
  }

  /** The conflict reason of a listener against listeners of higher precedence that hold their ports, or null. */
  private static String yieldsTo(List<ListenerResult> held, Listener l) {
    String reason = null;
    for (ListenerResult h : held) {
      String c = conflict(h.spec(), l);
      if ("ProtocolConflict".equals(c)) return c;
      if (c != null) reason = c;
    }
    return reason;
  }

  private static List<ListenerResult> evaluate(GatewayView gateway, ResourceIndex index, boolean certificates) {
    long gen = gateway.meta().generation();
    Map<Integer, String> conflicts = conflictsByIndex(gateway.listeners());
    List<ListenerResult> results = new ArrayList<>();
    List<Listener> listeners = gateway.listeners();
    for (int i = 0; i < listeners.size(); i++) {
      results.add(evaluate(gateway, Referrer.of(gateway), listeners.get(i), conflicts.get(i), index, certificates, gen));
    }
    return results;
  }

  /**
   * One listener: gateway's frontend validation applies to it; its certificateRefs are the
   * referrer's (the Gateway, or the ListenerSet that holds it); gen is the generation of the
   * object whose status reports it. A conflict is reported before anything else of it.
   */
  private static ListenerResult evaluate(GatewayView gateway, Referrer referrer, Listener l, String conflictReason,
                                         ResourceIndex index, boolean certificates, long gen) {
    String protocol = l.protocol() == null ? "" : l.protocol();
    if (conflictReason != null) {
      List<Condition> cs = List.of(
          Condition.isFalse("Accepted", conflictReason, "listener conflicts with another listener on port " + l.port(), gen),
          Condition.isFalse("Programmed", conflictReason, "listener is in conflict", gen),
          Condition.isTrue("Conflicted", conflictReason, "listener conflicts with another listener on port " + l.port(), gen),
          Condition.isTrue("ResolvedRefs", "ResolvedRefs", "", gen));
      return new ListenerResult(l, false, false, List.of(), cs);
    }
    List<GroupKind> protocolKinds;
    boolean served = false; // by the data plane
    switch (protocol) {
      case "TLS" -> {
        if (!"Passthrough".equals(l.tlsMode()) && !"Terminate".equals(l.tlsMode())) {
          String what = l.tlsMode() == null ? "a TLS listener needs tls.mode" : "tls.mode " + l.tlsMode() + " is not supported";
          return rejected(l, "UnsupportedValue", what, gen);
        }
        protocolKinds = List.of(GroupKind.TLS_ROUTE);
        served = true;
      }
      case "HTTP", "HTTPS" -> {
        if ("HTTPS".equals(protocol) && l.tlsMode() != null && !"Terminate".equals(l.tlsMode())) {
          return rejected(l, "UnsupportedValue", "an HTTPS listener terminates TLS: tls.mode " + l.tlsMode() + " is not supported", gen);
        }
        protocolKinds = List.of(HTTP_ROUTE);
        served = true;
      }
      case "TCP", "UDP" -> {
        // what the CEL rules refuse on API servers that enforce them, refused here for those that do not
        if (l.hostname() != null) return rejected(l, "UnsupportedValue", "a " + protocol + " listener has no hostname", gen);
        if (l.tlsMode() != null || !l.certificateRefs().isEmpty()) {
          return rejected(l, "UnsupportedValue", "a " + protocol + " listener has no tls", gen);
        }
        protocolKinds = List.of("TCP".equals(protocol) ? GroupKind.TCP_ROUTE : GroupKind.UDP_ROUTE);
        served = true;
      }
      default -> {
        return rejected(l, "UnsupportedProtocol", "protocol " + protocol + " is not supported", gen);
      }
    }
    List<GroupKind> supported = new ArrayList<>();
    List<GroupKind> invalid = new ArrayList<>();
    if (l.allowedRoutes().kinds().isEmpty()) {
      supported.addAll(protocolKinds);
    } else {
      for (GroupKind k : l.allowedRoutes().kinds()) {
        if (protocolKinds.contains(k)) {
          if (!supported.contains(k)) supported.add(k);
        } else {
          invalid.add(k);
        }
      }
    }
    // a terminating listener needs usable certificates; Passthrough ignores certificateRefs
    Optional<CertificateRules.Failure> certificate = Optional.empty();
    if (certificates && ("HTTPS".equals(protocol) || ("TLS".equals(protocol) && "Terminate".equals(l.tlsMode())))) {
      if (l.certificateRefs().isEmpty()) {
        certificate = Optional.of(new CertificateRules.Failure("InvalidCertificateRef", "a terminating listener needs tls.certificateRefs"));
      }
      for (var ref : l.certificateRefs()) {
        certificate = CertificateRules.check(referrer, ref, index);
        if (certificate.isPresent()) break;
      }
    }
    ClientCertificateRules.Judgement client = certificates && ClientCertificateRules.applies(protocol, l.tlsMode())
        ? ClientCertificateRules.judge(gateway, l, index) : ClientCertificateRules.Judgement.NONE;
    List<Condition> cs = new ArrayList<>();
    cs.add(client.noValidCa()
        ? Condition.isFalse("Accepted", "NoValidCACertificate", "no caCertificateRef of the client validation is usable", gen)
        : Condition.isTrue("Accepted", "Accepted", "", gen));
    if (certificate.isPresent()) {
      cs.add(Condition.isFalse("Programmed", "Invalid", "the listener's certificate cannot be used", gen));
    } else if (client.noValidCa()) {
      cs.add(Condition.isFalse("Programmed", "Invalid", "no CA certificate to validate clients with", gen));
    } else {
      cs.add(Condition.isTrue("Programmed", "Programmed", "", gen));
    }
    cs.add(Condition.isFalse("Conflicted", "NoConflicts", "", gen));
    if (certificate.isPresent()) {
      cs.add(Condition.isFalse("ResolvedRefs", certificate.get().reason(), certificate.get().message(), gen));
    } else if (client.failure().isPresent()) {
      cs.add(Condition.isFalse("ResolvedRefs", client.failure().get().reason(), client.failure().get().message(), gen));
    } else if (invalid.isEmpty()) {
      cs.add(Condition.isTrue("ResolvedRefs", "ResolvedRefs", "", gen));
    } else {
      cs.add(Condition.isFalse("ResolvedRefs", "InvalidRouteKinds",
          "route kinds not supported on a " + protocol + " listener: " + describe(invalid), gen));
    }
    // a validation with no usable CA accepts no client: the listener is not accepted (routes still attach: see forAttachment)
    return new ListenerResult(l, !client.noValidCa(), served, List.copyOf(supported), List.copyOf(cs), client.validation());
  }

  private static ListenerResult rejected(Listener l, String reason, String message, long gen) {
    List<Condition> cs = List.of(
        Condition.isFalse("Accepted", reason, message, gen),
        Condition.isFalse("Programmed", "Invalid", message, gen),
        Condition.isTrue("ResolvedRefs", "ResolvedRefs", "", gen));
    return new ListenerResult(l, false, false, List.of(), cs);
  }

  private static String describe(List<GroupKind> kinds) {
    return String.join(", ", kinds.stream().map(k -> k.group() + "/" + k.kind()).toList());
  }

  /**
   * Listeners that may not share a port: the same (port, protocol, hostname) is a HostnameConflict;
   * one port carrying protocols that cannot be told apart (TCP or UDP beside anything, or plain
   * HTTP beside TLS-based listeners) is a ProtocolConflict. Within one Gateway no listener wins.
   */
  private static Map<Integer, String> conflictsByIndex(List<Listener> listeners) {
    Map<Integer, String> out = new HashMap<>();
    for (int i = 0; i < listeners.size(); i++) {
      for (int j = 0; j < listeners.size(); j++) {
        if (i == j) continue;
        String c = conflict(listeners.get(i), listeners.get(j));
        if ("ProtocolConflict".equals(c)) out.put(i, c);
        else if (c != null) out.putIfAbsent(i, c);
      }
    }
    return out;
  }

  /**
   * How two listeners conflict (ProtocolConflict, HostnameConflict), or null when they may share
   * an address. UDP ports are not TCP ports: a UDP listener conflicts only with UDP listeners.
   */
  private static String conflict(Listener a, Listener b) {
    if (a.port() != b.port()) return null;
    if ("UDP".equals(a.protocol()) != "UDP".equals(b.protocol())) return null;
    if (!family(a.protocol()).equals(family(b.protocol()))) return "ProtocolConflict";
    if (Objects.equals(a.protocol(), b.protocol())
        && Hostnames.normalize(a.hostname()).equals(Hostnames.normalize(b.hostname()))) {
      return "HostnameConflict";
    }
    return null;
  }

  private static String family(String protocol) {
    if (protocol == null) return "";
    return switch (protocol) {
      case "TLS", "HTTPS" -> "tls";
      default -> protocol;
    };
  }
}
