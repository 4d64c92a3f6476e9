package dev.passage.table;

/** Marks values that travel between cluster nodes; serialized with Jackson CBOR (see application.conf). */
public interface Replicated {}
