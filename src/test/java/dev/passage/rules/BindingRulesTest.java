package dev.passage.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.passage.resources.NamespacedName;
import dev.passage.table.BindAddress;
import dev.passage.table.GatewayEntry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A listener some node cannot bind is not Programmed; the Gateway is not, once none of its listeners is bound. */
class BindingRulesTest {
  static final GatewayEntry TABLE = new GatewayEntry(new NamespacedName("default", "gw"), Instant.EPOCH,
      List.of("127.0.0.1"), List.of(new GatewayEntry.Listener("a", "TLS", 8443, 8443, "", null),
      new GatewayEntry.Listener("b", "TLS", 9443, 9443, "", null)));
  static final GatewayStatus ALL_PROGRAMMED = new GatewayStatus(List.of(), programmed(),
      List.of(listener("a"), listener("b")));

  @Test
  void nothingFailedChangesNothing() {
    assertSame(ALL_PROGRAMMED, BindingRules.apply(ALL_PROGRAMMED, TABLE, Map.of()));
  }

  @Test
  void anUnboundListenerIsPendingAndTheGatewayStaysProgrammedWhileAnotherIsBound() {
    GatewayStatus s = BindingRules.apply(ALL_PROGRAMMED, TABLE,
        Map.of(new BindAddress("127.0.0.1", 9443), "Address already in use (node n1)"));
    assertEquals(programmed(), s.conditions());
    assertEquals(listener("a"), s.listeners().get(0));
    Condition b = s.listeners().get(1).conditions().get(1);
    assertEquals(List.of("Programmed", "False", "Pending", 3L), List.of(b.type(), b.status(), b.reason(), b.observedGeneration()));
    assertEquals("cannot listen on 127.0.0.1:9443: Address already in use (node n1); trying again until it can", b.message());
    assertEquals(s.listeners().get(1).conditions().get(0), listener("b").conditions().get(0), "Accepted untouched");
  }

  @Test
  void withNoListenerBoundTheGatewayIsNotProgrammed() {
    GatewayStatus s = BindingRules.apply(ALL_PROGRAMMED, TABLE, Map.of(
        new BindAddress("127.0.0.1", 8443), "Address already in use (node n1)",
        new BindAddress("127.0.0.1", 9443), "Cannot assign requested address (node n1)"));
    Condition gw = s.conditions().get(1);
    assertEquals(List.of("False", "Pending"), List.of(gw.status(), gw.reason()));
    assertEquals("no listener is bound: cannot listen on 127.0.0.1:8443: Address already in use (node n1); "
        + "cannot listen on 127.0.0.1:9443: Cannot assign requested address (node n1)", gw.message());
    assertEquals("Accepted", s.conditions().get(0).type());
  }

  @Test
  void anAddressOfAnotherGatewayIsNotThisOnesConcern() {
    assertEquals(ALL_PROGRAMMED, BindingRules.apply(ALL_PROGRAMMED, TABLE,
        Map.of(new BindAddress("127.0.0.2", 8443), "Address already in use (node n1)")));
  }

  private static List<Condition> programmed() {
    return List.of(Condition.isTrue("Accepted", "Accepted", "", 3), Condition.isTrue("Programmed", "Programmed", "", 3));
  }

  private static GatewayStatus.Listener listener(String name) {
    return new GatewayStatus.Listener(name, List.of(), 0, programmed());
  }
}
