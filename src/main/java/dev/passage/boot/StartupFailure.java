package dev.passage.boot;

/**
 * Passage cannot do its job at all: main prints the message, one line, and exits with the code.
 * Faults in the objects it serves (a bad file, a taken Gateway port) are never this: they are
 * reported in statuses and logs while the rest is served.
 */
public final class StartupFailure extends Exception {
  /** Wrong command line or settings: a missing --config file or --resources folder, an unknown flag. */
  public static final int USAGE = 2;
  /** The management port (health checks, /passage routes) is taken or cannot be bound. */
  public static final int MANAGEMENT_PORT = 3;
  /** Kubernetes mode without an API server to reach, within passage.kubernetes.api-server-timeout. */
  public static final int API_SERVER = 4;

  private final int exitCode;

  public StartupFailure(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
