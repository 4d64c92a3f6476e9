package dev.passage.proxy;

import dev.passage.table.ResolvedBackend;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The weighted choice of a backendRef, then the order in which to try its endpoints. Weights are
 * shares of connections: an invalid backend, or one without ready endpoints, keeps its share and
 * that share of connections is rejected; weight 0 receives nothing.
 */
public final class BackendChoice {
  private BackendChoice() {}

  public sealed interface Outcome {}

  /** endpoints in the order to try: first choice first, the others after it as fall-backs. */
  public record Connect(ResolvedBackend backend, List<ResolvedBackend.Endpoint> endpoints) implements Outcome {}

  /** Why nothing was chosen: HTTP answers 500 for the first two, 503 for the last. */
  public enum Why { NO_BACKENDS, INVALID_BACKEND, NO_ENDPOINTS }

  public record Reject(Why why, String reason) implements Outcome {}

  /** endpoints: the ready endpoints of a Service port, from the same table as the backends. */
  public static Outcome choose(List<ResolvedBackend> backends,
                               java.util.function.Function<dev.passage.table.BackendKey, List<ResolvedBackend.Endpoint>> endpoints,
                               RandomGenerator random) {
    long total = 0;
    for (ResolvedBackend b : backends) total += Math.max(0, b.weight());
    if (total == 0) return new Reject(Why.NO_BACKENDS, backends.isEmpty() ? "route has no backends" : "every backend has weight 0");
    long pick = random.nextLong(total);
    ResolvedBackend chosen = null;
    for (ResolvedBackend b : backends) {
      pick -= Math.max(0, b.weight());
      if (pick < 0) {
        chosen = b;
        break;
      }
    }
    if (!chosen.valid()) return new Reject(Why.INVALID_BACKEND, "backend " + chosen.name() + ": " + chosen.failureMessage());
    List<ResolvedBackend.Endpoint> ready = endpoints.apply(chosen.service());
    if (ready.isEmpty()) return new Reject(Why.NO_ENDPOINTS, "backend " + chosen.name() + " has no ready endpoints");
    List<ResolvedBackend.Endpoint> order = new ArrayList<>(ready);
    if (order.size() > 1) Collections.shuffle(order, new java.util.Random(random.nextLong()));
    return new Connect(chosen, order);
  }
}
