package dev.passage.rules;

import dev.passage.resources.NamespacedName;
import java.util.Map;
import java.util.Set;

/**
 * A route judged against the current objects: its status, its attachment to each Gateway that
 * accepted it, and every Passage Gateway its parentRefs name (accepted or not).
 */
public record RouteEvaluation(RouteStatus status, Map<NamespacedName, RouteAttachment> attachments,
                              Set<NamespacedName> parentGateways) {}
