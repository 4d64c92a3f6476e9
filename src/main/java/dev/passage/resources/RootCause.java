package dev.passage.resources;

/** What went wrong at the bottom of a chain of causes, as one line for a log or an error message. */
public final class RootCause {
  private RootCause() {}

  /** The innermost cause's message, its first line only; its class name when it has none. */
  public static String message(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) c = c.getCause();
    String m = c.getMessage();
    return m == null || m.isBlank() ? c.getClass().getSimpleName() : m.strip().lines().findFirst().orElse(m);
  }
}
