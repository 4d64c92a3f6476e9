package dev.passage.table;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.cluster.ddata.Flag;
import org.apache.pekko.cluster.ddata.FlagKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;

/**
 * The Distributed Data keys of the route table: a fixed number of buckets, each an LWWMap from an
 * entry's key to the entry (a Gateway, one route on one Gateway, one Service port's endpoints), so
 * that an update carries the entries that changed and no bucket nears Artery's frame limit (about
 * 400 entries per bucket at 50,000 routes, 150 bytes each); and a flag the controller sets once its
 * first complete table is out. The bucket count must never change while a cluster lives.
 */
public final class TableKeys {
  public static final int BUCKETS = 128;
  /** Entries per Update message: Pekko's delta of one Update must stay far below the frame (max-delta-size 50). */
  public static final int ENTRIES_PER_UPDATE = 40;
  public static final Key<Flag> SYNCED = FlagKey.create("passage-table-synced");
  private static final List<Key<LWWMap<String, Replicated>>> KEYS = new ArrayList<>();

  static {
    for (int i = 0; i < BUCKETS; i++) KEYS.add(LWWMapKey.create("passage-table-" + i));
  }

  private TableKeys() {}

  public static List<Key<LWWMap<String, Replicated>>> all() {
    return KEYS;
  }

  public static Key<LWWMap<String, Replicated>> bucketOf(String entry) {
    return KEYS.get(Math.floorMod(entry.hashCode(), BUCKETS));
  }

  /** The key of an entry in its bucket: what identifies it across changes. */
  public static String keyOf(Replicated entry) {
    if (entry instanceof GatewayEntry g) return "g|" + g.gateway();
    if (entry instanceof RouteEntry r) {
      return "r|" + r.gateway() + "|" + r.route().kind().kindName() + "|" + r.route().namespace() + "/" + r.route().name();
    }
    if (entry instanceof EndpointsEntry e) return "e|" + e.backend();
    throw new IllegalArgumentException("not a table entry: " + entry.getClass());
  }
}
