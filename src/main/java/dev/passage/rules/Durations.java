package dev.passage.rules;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway API durations (GEP-2257): one to four parts of up to five digits each, with units h, m,
 * s or ms ("1h", "2s", "1m30s", "500ms"), no sign, no fraction. Shared by HTTPRoute timeouts and
 * TrafficPolicy fields.
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");

  private Durations() {}

  /** The duration in milliseconds, or -1 when text is not one (null or empty included). */
  public static long millis(String text) {
    if (text == null || text.isEmpty()) return -1;
    Matcher m = PART.matcher(text);
    long millis = 0;
    int parts = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      millis += switch (m.group(2)) {
        case "h" -> n * 3_600_000;
        case "m" -> n * 60_000;
        case "s" -> n * 1_000;
        default -> n;
      };
      end = m.end();
      parts++;
    }
    return parts == 0 || parts > 4 || end != text.length() ? -1 : millis;
  }
}
