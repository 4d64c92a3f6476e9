package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A flood of refusals is one line per reason per interval, with its count and first example. */
class RefusalLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(RefusalLog.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Level before;

  @BeforeEach
  void capture() {
    before = logger.getLevel();
    logger.setLevel(Level.INFO);
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void release() {
    logger.detachAppender(lines);
    logger.setLevel(before);
  }

  @Test
  void aFloodIsOneLinePerReasonPerInterval() {
    RefusalLog log = new RefusalLog();
    for (int i = 0; i < 1336; i++) {
      int n = i;
      log.note(ProxyMetrics.Refusal.NO_ROUTE, () -> "client=10.0.0." + (n % 250) + " sni=x" + n + ".example.org");
    }
    for (int i = 0; i < 3; i++) log.note(ProxyMetrics.Refusal.LIMIT, () -> "client=10.1.1.1");
    assertEquals(List.of(), lines.list, "nothing is logged per connection at INFO");
    log.flush(10);
    assertEquals(2, lines.list.size(), lines.list.toString());
    ILoggingEvent noRoute = lines.list.stream().filter(e -> e.getFormattedMessage().contains("no route")).findFirst().orElseThrow();
    assertEquals(Level.INFO, noRoute.getLevel(), "a client's unknown name is not the operator's warning");
    assertEquals("1,336 connection(s) refused: no route for the SNI in the last 10 s (first: client=10.0.0.0 sni=x0.example.org)",
        noRoute.getFormattedMessage());
    ILoggingEvent limit = lines.list.stream().filter(e -> e.getFormattedMessage().contains("max-connections")).findFirst().orElseThrow();
    assertEquals(Level.WARN, limit.getLevel());
    assertTrue(limit.getFormattedMessage().startsWith("3 "), limit.getFormattedMessage());
    lines.list.clear();
    log.flush(10);
    assertEquals(List.of(), lines.list, "a quiet interval logs nothing");
    log.note(ProxyMetrics.Refusal.NO_ROUTE, () -> "client=10.9.9.9 sni=late.example.org");
    log.flush(10);
    assertEquals(1, lines.list.size());
    assertTrue(lines.list.get(0).getFormattedMessage().contains("(first: client=10.9.9.9 sni=late.example.org)"),
        "the example is the interval's own");
  }
}
