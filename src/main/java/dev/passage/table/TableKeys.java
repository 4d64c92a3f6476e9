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
 * "namespace/name" of a Gateway to its table, so that no entry nears Artery's frame limit and an
 * update carries one Gateway; and a flag the controller sets once its first complete table is out.
 * The bucket count must never change while a cluster lives.
 */
public final class TableKeys {
  public static final int BUCKETS = 32;
  public static final Key<Flag> SYNCED = FlagKey.create("passage-tables-synced");
  private static final List<Key<LWWMap<String, GatewayTable>>> KEYS = new ArrayList<>();

  static {
    for (int i = 0; i < BUCKETS; i++) KEYS.add(LWWMapKey.create("passage-tables-" + i));
  }

  private TableKeys() {}

  public static List<Key<LWWMap<String, GatewayTable>>> all() {
    return KEYS;
  }

  public static Key<LWWMap<String, GatewayTable>> bucketOf(String gateway) {
    return KEYS.get(Math.floorMod(gateway.hashCode(), BUCKETS));
  }
}
