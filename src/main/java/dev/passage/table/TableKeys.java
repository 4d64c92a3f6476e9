package dev.passage.table;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.cluster.ddata.Flag;
import org.apache.pekko.cluster.ddata.FlagKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;

/**
 * The Distributed Data keys of the route tables: a fixed number of buckets, each an LWWMap from
 * "namespace/name#part" to one part of a Gateway's table ({@link TableParts}), so that no entry
 * nears Artery's frame limit and an update carries a few routes; and a flag the controller sets
 * once its first complete table is out. The bucket count must never change while a cluster lives.
 */
public final class TableKeys {
  public static final int BUCKETS = 32;
  /** Routes per replicated part: about 100 bytes each on the wire, far below the 256 KiB frame. */
  public static final int ROUTES_PER_PART = 100;
  public static final Key<Flag> SYNCED = FlagKey.create("passage-tables-synced");
  private static final List<Key<LWWMap<String, GatewayTable>>> KEYS = new ArrayList<>();

  static {
    for (int i = 0; i < BUCKETS; i++) KEYS.add(LWWMapKey.create("passage-tables-" + i));
  }

  private TableKeys() {}

  public static List<Key<LWWMap<String, GatewayTable>>> all() {
    return KEYS;
  }

  public static Key<LWWMap<String, GatewayTable>> bucketOf(String entry) {
    return KEYS.get(Math.floorMod(entry.hashCode(), BUCKETS));
  }

  /** The entry of part n of a Gateway's table. */
  public static String entry(String gateway, int part) {
    return gateway + "#" + part;
  }

  public static int partOf(String entry) {
    return Integer.parseInt(entry.substring(entry.lastIndexOf('#') + 1));
  }
}
