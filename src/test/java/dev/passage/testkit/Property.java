package dev.passage.testkit;

import java.util.SplittableRandom;

/**
 * Property tests with seeded generators, on plain JUnit 5. A property runs a number of tries;
 * each try gets its own {@link SplittableRandom}, split from one run seed, to generate its input
 * from. The run seed is random unless {@code -Dproperty.seed=N} fixes it; a failing try is
 * reported with the seed and the try's number, and {@code -Dproperty.seed=N} replays the run
 * exactly (the tries before it included, so that the failing input is made the same way).
 */
public final class Property {
  private Property() {}

  /** One try: generate an input from the random, check the property on it (throw to fail). */
  @FunctionalInterface
  public interface Try {
    void run(SplittableRandom random) throws Exception;
  }

  /** Runs tries of a property; returns the seed used. */
  public static long check(String name, int tries, Try body) {
    String fixed = System.getProperty("property.seed");
    long seed = fixed != null && !fixed.isBlank() ? Long.parseLong(fixed.trim()) : new SplittableRandom().nextLong();
    return check(name, tries, seed, body);
  }

  /** Runs tries of a property from this seed (a test that must be the same every run fixes it). */
  public static long check(String name, int tries, long seed, Try body) {
    SplittableRandom root = new SplittableRandom(seed);
    for (int i = 0; i < tries; i++) {
      SplittableRandom random = root.split();
      try {
        body.run(random);
      } catch (Throwable t) {
        throw new AssertionError(name + " failed on try " + (i + 1) + " of " + tries + " (seed " + seed
            + "; replay with -Dproperty.seed=" + seed + "): " + t.getMessage(), t);
      }
    }
    return seed;
  }

  /** Bytes of a random length in [0, maxLength], sometimes one of the lengths at the edges. */
  public static byte[] bytes(SplittableRandom random, int maxLength) {
    int n = switch (random.nextInt(8)) {
      case 0 -> random.nextInt(Math.min(maxLength, 8) + 1); // short: the edges of the first checks
      case 1 -> maxLength;
      default -> random.nextInt(maxLength + 1);
    };
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) b[i] = (byte) random.nextInt(256);
    return b;
  }
}
