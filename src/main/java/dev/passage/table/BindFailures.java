package dev.passage.table;

import java.util.List;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;

/**
 * The listener addresses one node could not bind, and why: the data plane's answer to the route
 * table, replicated beside it so that the control plane can report a listener that is not
 * Programmed. One entry per node (its cluster address), written by that node's listeners alone;
 * an empty list means everything the table names is bound there. Binding addresses are the
 * table's own ({@link GatewayTable#ANY_NODE} stays "*"), so they compare with the table's.
 */
public record BindFailures(List<Failure> failures) implements Replicated {
  public static final Key<LWWMap<String, BindFailures>> KEY = LWWMapKey.create("passage-bind-failures");

  public BindFailures {
    failures = List.copyOf(failures);
  }

  /** cause: what the operating system said ("Address already in use"). */
  public record Failure(BindAddress address, String cause) {}
}
