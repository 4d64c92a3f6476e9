package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The cap from the heap and the open-files limit: the rule of docs/performance.md, Memory. */
class CapacityTest {
  private static final long MIB = 1L << 20;

  @Test
  void autoIsWhatTheHeapAllowsAtTheMostEachConnectionCanHold() {
    Capacity c = Capacity.of(-1, 640 * MIB, 1 << 20, 16 * 1024);
    // (640 - 64) MiB: a quarter is the buffer budget, the rest at 48 KiB a connection
    assertEquals(144 * MIB, c.bufferBudget());
    assertEquals(9216, c.maxConnections());
    long worst = Capacity.BASE + c.bufferBudget() + c.maxConnections() * Capacity.perConnection(16 * 1024);
    assertTrue(worst <= 640 * MIB, "the cap, each connection holding its most, fits the heap: " + worst / MIB + " MiB");
    assertTrue(c.why().startsWith("auto: a heap of 640 MiB allows 9,216"), c.why());
  }

  @Test
  void theOpenFilesLimitBoundsItToo() {
    Capacity c = Capacity.of(-1, 640 * MIB, 10_000, 16 * 1024);
    assertEquals((10_000 - 256) / 2, c.maxConnections());
    assertTrue(c.why().endsWith("10,000 open files allow 4,872"), c.why());
  }

  @Test
  void aConfiguredCapAboveWhatTheHeapAllowsIsLoweredAndOneBelowIsKept() {
    Capacity high = Capacity.of(50_000, 256 * MIB, -1, 16 * 1024);
    assertEquals(3072, high.maxConnections());
    assertTrue(high.lowered(50_000));
    assertTrue(high.why().startsWith("50,000 configured, lowered to 3,072"), high.why());
    Capacity low = Capacity.of(100, 256 * MIB, -1, 16 * 1024);
    assertEquals(100, low.maxConnections());
    assertFalse(low.lowered(100));
  }

  @Test
  void theRouteTableTakesItsShareOfTheHeap() {
    Capacity start = Capacity.of(-1, 640 * MIB, 1 << 20, 16 * 1024);
    Capacity withTable = start.forRoutes(-1, 640 * MIB, 1 << 20, 16 * 1024, 20_000);
    assertEquals(start.bufferBudget(), withTable.bufferBudget(), "the budget stays what it was");
    assertTrue(withTable.maxConnections() < start.maxConnections());
    long worst = Capacity.BASE + 20_000 * Capacity.BYTES_PER_ROUTE + withTable.bufferBudget()
        + withTable.maxConnections() * Capacity.perConnection(16 * 1024);
    assertTrue(worst <= 640 * MIB, "the routes and the cap, each connection holding its most, fit the heap: " + worst / MIB);
    assertTrue(withTable.why().contains("20,000 routes'"), withTable.why());
    // a table that takes the whole heap still leaves one connection: the node serves, slowly, rather than not at all
    assertEquals(1, start.forRoutes(-1, 640 * MIB, 1 << 20, 16 * 1024, 1_000_000).maxConnections());
  }

  @Test
  void aTableThatCrowdsTheConnectionsOutIsToldApart() {
    Capacity start = Capacity.of(-1, 640 * MIB, 1 << 20, 16 * 1024);
    assertFalse(start.forRoutes(-1, 640 * MIB, 1 << 20, 16 * 1024, 10_000).crowdedOut(start), "10,000 routes: most of the room stays");
    // 50,000 routes as ClusterScaleBenchmark measured them with the shipped heap: one connection left
    Capacity fifty = start.forRoutes(-1, 640 * MIB, 1 << 20, 16 * 1024, 50_000);
    assertEquals(1, fifty.maxConnections());
    assertTrue(fifty.crowdedOut(start));
    // the same routes in a 2 GiB heap leave most of that heap's room
    Capacity big = Capacity.of(-1, 2048 * MIB, 1 << 20, 16 * 1024);
    assertFalse(big.forRoutes(-1, 2048 * MIB, 1 << 20, 16 * 1024, 50_000).crowdedOut(big));
  }
}
