package dev.passage.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.resources.NamespacedName;
import dev.passage.rules.ResolvedBackend;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TablePartsTest {
  static GatewayTable table(int routesA, int routesB) {
    List<HostRoute> a = new ArrayList<>();
    for (int i = 0; i < routesA; i++) {
      a.add(new HostRoute("a" + i + ".example.com", new NamespacedName("ns", "r" + i),
          List.of(new ResolvedBackend("ns/svc:443", 1, List.of(new ResolvedBackend.Endpoint("10.0.0.1", 8443)), null, null))));
    }
    List<HostRoute> b = new ArrayList<>();
    for (int i = 0; i < routesB; i++) b.add(new HostRoute("*.b" + i + ".com", new NamespacedName("ns", "w" + i), List.of()));
    return new GatewayTable(new NamespacedName("ns", "gw"), Instant.EPOCH, List.of("*"),
        List.of(new ListenerTable("a", 443, 20000, "", a), new ListenerTable("b", 8443, 20001, "*.com", b)));
  }

  @Test
  void splitThenMergeGivesTheTableBackAndNoPartIsOverTheLimit() {
    for (int[] sizes : new int[][] {{0, 0}, {1, 0}, {100, 0}, {101, 3}, {250, 250}, {10_000, 1}}) {
      GatewayTable t = table(sizes[0], sizes[1]);
      List<GatewayTable> parts = TableParts.split(t, 100);
      assertEquals(Math.max(1, (sizes[0] + sizes[1] + 99) / 100), parts.size(), "parts for " + sizes[0] + "+" + sizes[1]);
      for (GatewayTable p : parts) {
        assertTrue(p.listeners().stream().mapToInt(l -> l.routes().size()).sum() <= 100);
        assertEquals(2, p.listeners().size(), "every part carries every listener");
      }
      assertEquals(t, TableParts.merge(parts));
    }
  }

  @Test
  void changingOneRouteChangesOnePart() {
    GatewayTable t = table(1000, 0);
    List<HostRoute> routes = new ArrayList<>(t.listeners().get(0).routes());
    routes.set(555, new HostRoute("changed.example.com", new NamespacedName("ns", "r555"), List.of()));
    GatewayTable changed = new GatewayTable(t.gateway(), t.created(), t.addresses(),
        List.of(new ListenerTable("a", 443, 20000, "", routes), t.listeners().get(1)));
    List<GatewayTable> before = TableParts.split(t, 100);
    List<GatewayTable> after = TableParts.split(changed, 100);
    int differing = 0;
    for (int i = 0; i < before.size(); i++) if (!before.get(i).equals(after.get(i))) differing++;
    assertEquals(1, differing);
  }
}
