package dev.passage.rules;

import dev.passage.table.Hostnames;
import dev.passage.resources.GatewayView;
import dev.passage.resources.GroupKind;
import java.util.List;

/**
 * A listener after validation. accepted: routes may attach; served: Passage's data plane serves it
 * (TLS, HTTPS or HTTP, without conflict). conditions lack only attachedRoutes, which needs the routes.
 * clientValidation: the frontend client-certificate validation of a terminating listener (null: none).
 * key names the listener in the route table and in routes' attachments: a Gateway listener's
 * name, or "namespace/listenerset/name" for a ListenerSet's (a listener name holds no "/", and
 * names need not be unique across a Gateway and its ListenerSets).
 */
public record ListenerResult(GatewayView.Listener spec, boolean accepted, boolean served,
                             List<GroupKind> supportedKinds, List<Condition> conditions,
                             dev.passage.table.ListenerTable.ClientValidation clientValidation, String key) {
  public ListenerResult(GatewayView.Listener spec, boolean accepted, boolean served, List<GroupKind> supportedKinds,
                        List<Condition> conditions, dev.passage.table.ListenerTable.ClientValidation clientValidation) {
    this(spec, accepted, served, supportedKinds, conditions, clientValidation, spec.name());
  }

  public ListenerResult(GatewayView.Listener spec, boolean accepted, boolean served, List<GroupKind> supportedKinds,
                        List<Condition> conditions) {
    this(spec, accepted, served, supportedKinds, conditions, null);
  }

  /** The key of a ListenerSet's listener (see the class comment). */
  public static String key(dev.passage.resources.ListenerSetView set, String listener) {
    return set.meta().namespace() + "/" + set.meta().name() + "/" + listener;
  }

  /** This listener's entry in its Gateway's or ListenerSet's status, with attachedRoutes from counts by key (absent: 0). */
  public GatewayStatus.Listener status(java.util.Map<String, Integer> attached) {
    return new GatewayStatus.Listener(name(), supportedKinds, attached.getOrDefault(key, 0), conditions);
  }

  public ListenerResult withKey(String other) {
    return new ListenerResult(spec, accepted, served, supportedKinds, conditions, clientValidation, other);
  }

  public String name() {
    return spec.name();
  }

  public String hostname() {
    return Hostnames.normalize(spec.hostname());
  }

  public boolean supports(GroupKind kind) {
    return supportedKinds.contains(kind);
  }

  public boolean programmed() {
    return holds("Programmed");
  }

  /** Accepted and every reference resolved: a listener the Gateway counts as valid. */
  public boolean valid() {
    return accepted && holds("ResolvedRefs");
  }

  private boolean holds(String type) {
    return conditions.stream().anyMatch(c -> c.type().equals(type) && c.holds());
  }
}
