package dev.passage.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Leaves out Artery's ERROR about a Distributed Data delta propagation too large for its frame
 * ("Failed to serialize oversized message [...Replicator$Internal$DeltaPropagation]"). At a
 * controller's first publication, the whole route table is written at once, and the Replicator's
 * periodic round puts every bucket's delta into one message, over 256 KiB from about 800 routes.
 * Dropping it loses nothing: the publisher writes every update to every node itself (WriteAll), and
 * a node that missed one gets it by gossip, which Pekko chunks to the frame (Pekko's maintainers:
 * "it's fine to drop delta propagations", akka/akka-core#23025). Any other oversized message
 * (gossip, a table write, anything of Passage's) is still logged.
 */
public final class RedundantDeltaPropagationFilter extends Filter<ILoggingEvent> {
  @Override
  public FilterReply decide(ILoggingEvent event) {
    return event.getLoggerName().endsWith("artery.Encoder")
        && event.getFormattedMessage() != null
        && event.getFormattedMessage().contains("Replicator$Internal$DeltaPropagation")
        ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
