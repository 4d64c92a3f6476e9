package dev.passage.rules;

import dev.passage.resources.ObjectKey;
import dev.passage.table.RouteTable;
import java.util.Map;

/** Everything the rules conclude from one snapshot: every status Passage owns, and the table. */
public record Reconciliation(Map<ObjectKey, Object> statuses, RouteTable table) {}
