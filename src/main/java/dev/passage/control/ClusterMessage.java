package dev.passage.control;

/** Marks the control plane's messages that travel between nodes; serialized with Jackson CBOR (see application.conf). */
public interface ClusterMessage {}
