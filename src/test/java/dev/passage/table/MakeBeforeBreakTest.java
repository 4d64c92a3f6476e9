package dev.passage.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ObjectKey;
import dev.passage.table.BackendKey;
import dev.passage.table.ResolvedBackend;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Routes and the endpoints they name are written to different replicated buckets, which reach a
 * node in any order and may skip versions. Whatever the order, a node's table never routes a
 * connection to a Service port whose endpoints it does not hold while the controller held ready
 * endpoints for it (the refusals seen when a route moved from one Service to another), and it
 * ends equal to the table of the last write.
 */
class MakeBeforeBreakTest {
  static final NamespacedName GW = new NamespacedName("default", "gw");
  static final int BUCKETS = 3;

  /** What the controller publishes for a state: Gateway, routes, an endpoints entry per named port. */
  static Map<String, Replicated> entries(int[] routeToService, int[] servicePort) {
    Map<String, Replicated> out = new LinkedHashMap<>();
    out.put("g", new GatewayEntry(GW, Instant.EPOCH, List.of("0.0.0.0"),
        List.of(new GatewayEntry.Listener("tls", "TLS", 443, 443, null, null))));
    for (int r = 0; r < routeToService.length; r++) {
      BackendKey key = new BackendKey("default", "svc-" + routeToService[r], 8443);
      out.put("r" + r, new RouteEntry(GW, ObjectKey.of(Kind.TLS_ROUTE, "default", "r" + r), Instant.EPOCH.plusSeconds(r),
          Map.of("tls", List.of("r" + r + ".example.com")),
          List.of(new ResolvedBackend("svc-" + routeToService[r], 1, key, null, null)), List.of()));
    }
    for (int s : java.util.Arrays.stream(routeToService).distinct().toArray()) {
      BackendKey key = new BackendKey("default", "svc-" + s, 8443);
      out.put("e" + s, new EndpointsEntry(key, List.of(new ResolvedBackend.Endpoint("10.0.0." + s, servicePort[s]))));
    }
    return out;
  }

  static int bucketOf(String key) {
    return Math.floorMod(key.hashCode() * 31 + 7, BUCKETS);
  }

  static Map<String, Replicated> bucket(Map<String, Replicated> all, int b) {
    Map<String, Replicated> out = new HashMap<>();
    all.forEach((k, v) -> {
      if (bucketOf(k) == b) out.put(k, v);
    });
    return out;
  }

  /** As ReplicatedTables applies a bucket's new state: puts what changed, removes what is gone. */
  static void apply(TableBuilder builder, Map<String, Replicated> before, Map<String, Replicated> now) {
    now.forEach((k, v) -> {
      if (!v.equals(before.get(k))) builder.put(v);
    });
    before.forEach((k, v) -> {
      if (!now.containsKey(k)) builder.remove(v);
    });
  }

  /** Every valid backend of every route the table serves has ready endpoints in the table. */
  static void assertNoRouteLacksEndpoints(RouteTable table, String when) {
    for (var byRoute : table.routeEntries().values()) {
      for (RouteEntry r : byRoute.values()) {
        for (ResolvedBackend b : r.backends()) {
          assertTrue(!table.endpoints(b.service()).isEmpty(), when + ": " + r.route() + " routes to " + b.service()
              + ", whose endpoints the table does not hold");
        }
      }
    }
  }

  @Test
  void aRouteMovedToAnotherServiceIsServedInEveryOrderTheBucketsArrive() {
    for (long seed = 1; seed <= 300; seed++) {
      Random random = new Random(seed);
      int routes = 1 + random.nextInt(4), services = 2 + random.nextInt(4);
      int[] routeTo = new int[routes];
      int[] port = new int[services];
      for (int r = 0; r < routes; r++) routeTo[r] = random.nextInt(services);
      for (int s = 0; s < services; s++) port[s] = 9000 + s;
      List<Map<String, Replicated>> versions = new ArrayList<>();
      versions.add(entries(routeTo, port));
      int steps = 1 + random.nextInt(6);
      for (int i = 0; i < steps; i++) {
        if (random.nextBoolean()) routeTo[random.nextInt(routes)] = random.nextInt(services);
        else port[random.nextInt(services)]++;
        versions.add(entries(routeTo, port));
      }
      // the node starts with the first version complete, then hears of each bucket's later
      // versions in any order, skipping some, each bucket never going back
      TableBuilder builder = new TableBuilder();
      int[] at = new int[BUCKETS];
      for (int b = 0; b < BUCKETS; b++) apply(builder, Map.of(), bucket(versions.get(0), b));
      assertNoRouteLacksEndpoints(builder.table(), "seed " + seed + " start");
      int last = versions.size() - 1;
      while (java.util.Arrays.stream(at).anyMatch(v -> v < last)) {
        int b = random.nextInt(BUCKETS);
        if (at[b] == last) continue;
        int to = at[b] + 1 + random.nextInt(last - at[b]);
        apply(builder, bucket(versions.get(at[b]), b), bucket(versions.get(to), b));
        at[b] = to;
        assertNoRouteLacksEndpoints(builder.table(), "seed " + seed + " buckets at " + java.util.Arrays.toString(at));
      }
      assertEquals(0, builder.parkedCount(), "seed " + seed + ": nothing waits once every bucket is current");
      assertEquals(new java.util.HashSet<>(TableBuilder.entries(RouteTable.of(versions.get(last).values()))),
          new java.util.HashSet<>(TableBuilder.entries(builder.table())), "seed " + seed + ": the last write's table");
    }
  }

  @Test
  void aPortWithNoReadyEndpointIsRefusedAtOnceNotServedFromWhatItHadBefore() {
    BackendKey key = new BackendKey("default", "svc-0", 8443);
    Map<String, Replicated> ready = entries(new int[] {0}, new int[] {9000});
    TableBuilder builder = new TableBuilder();
    ready.values().forEach(builder::put);
    assertEquals(List.of(new ResolvedBackend.Endpoint("10.0.0.0", 9000)), builder.table().endpoints(key));
    // the controller publishes "none ready" as an empty entry, not a withdrawal
    builder.put(new EndpointsEntry(key, List.of()));
    assertEquals(List.of(), builder.table().endpoints(key));
    // while a withdrawal with the route still naming the port keeps what it had until the route moves
    builder.put(ready.get("e0"));
    builder.remove(ready.get("e0"));
    assertEquals(List.of(new ResolvedBackend.Endpoint("10.0.0.0", 9000)), builder.table().endpoints(key), "lingering");
    builder.remove(ready.get("r0"));
    assertEquals(List.of(), builder.table().endpoints(key), "gone with the last route naming it");
  }

  @Test
  void aRouteWhoseEndpointsNeverComeIsAppliedWhenAskedRatherThanLost() {
    Map<String, Replicated> state = entries(new int[] {0}, new int[] {9000});
    TableBuilder builder = new TableBuilder();
    builder.put(state.get("g"));
    builder.put(state.get("r0"));
    assertEquals(1, builder.parkedCount(), "the premise: the route waits for its endpoints");
    assertEquals(0, builder.table().routeCount());
    builder.applyParked();
    assertEquals(1, builder.table().routeCount());
  }
}
