package dev.passage.rules;

import dev.passage.table.GatewayTable;

/** A Gateway judged with the routes attached to it: its status and its data-plane table. */
public record GatewayEvaluation(GatewayStatus status, GatewayTable table) {}
