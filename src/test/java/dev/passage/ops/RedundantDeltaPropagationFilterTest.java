package dev.passage.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.Test;

/** Only Artery's line about a dropped DeltaPropagation is left out; every other oversized message stays. */
class RedundantDeltaPropagationFilterTest {
  static FilterReply decide(String logger, String message) {
    LoggerContext context = new LoggerContext();
    LoggingEvent event = new LoggingEvent(RedundantDeltaPropagationFilterTest.class.getName(), context.getLogger(logger),
        Level.ERROR, message, null, null);
    return new RedundantDeltaPropagationFilter().decide(event);
  }

  @Test
  void aDroppedDeltaPropagationIsLeftOut() {
    assertEquals(FilterReply.DENY, decide("org.apache.pekko.remote.artery.Encoder",
        "Failed to serialize oversized message [ActorSelectionMessage(org.apache.pekko.cluster.ddata.Replicator$Internal$DeltaPropagation)]."));
  }

  @Test
  void otherOversizedMessagesAndOtherLoggersStay() {
    assertEquals(FilterReply.NEUTRAL, decide("org.apache.pekko.remote.artery.Encoder",
        "Failed to serialize oversized message [org.apache.pekko.cluster.ddata.Replicator$Internal$Gossip]."));
    assertEquals(FilterReply.NEUTRAL, decide("org.apache.pekko.remote.artery.Encoder",
        "Failed to serialize oversized message [dev.passage.table.RouteEntry]."));
    assertEquals(FilterReply.NEUTRAL, decide("dev.passage.control.TablePublisher",
        "Replicator$Internal$DeltaPropagation mentioned elsewhere"));
  }
}
