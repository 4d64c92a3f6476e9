package passage.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ClosedInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The shape every simulation shares: a warm-up (-Dwarmup seconds, default 5, at the same load;
 * grouped "warm-up", so that a cold JIT's first requests do not count), then the measured load
 * (grouped "measured"), then optionally a verdict on what the run counted (a request that fails
 * when the verdict is false, so that Gatling's "no failed request" assertion fails the run).
 */
final class Phases {
  private Phases() {}

  static final String MEASURED = "measured";

  static Duration warmup() {
    return Duration.ofSeconds(Long.getLong("warmup", 5));
  }

  static PopulationBuilder open(String name, ChainBuilder request, int perSecond) {
    PopulationBuilder warm = scenario(name + " (warm-up)").exec(group("warm-up").on(request))
        .injectOpen(constantUsersPerSec(perSecond).during(warmup()));
    PopulationBuilder measured = scenario(name).exec(group(MEASURED).on(request))
        .injectOpen(constantUsersPerSec(perSecond).during(Targets.duration()));
    return warm.andThen(measured);
  }

  static PopulationBuilder closed(String name, ChainBuilder request, int users, ClosedInjectionStep... steps) {
    PopulationBuilder warm = scenario(name + " (warm-up)").during(warmup()).on(group("warm-up").on(request))
        .injectClosed(constantConcurrentUsers(users).during(warmup()));
    PopulationBuilder measured = scenario(name).forever().on(group(MEASURED).on(request)).injectClosed(steps);
    return warm.andThen(measured);
  }

  /** One request after the load, failing unless verdict holds; why is what the report calls it. */
  static PopulationBuilder verdict(PopulationBuilder load, String why, BooleanSupplier verdict) {
    return load.andThen(scenario("verdict").exec(http(why).get("/")
        .check(status().transform(s -> verdict.getAsBoolean() ? s : -1).is(200)))
        .injectOpen(atOnceUsers(1)));
  }

  static List<Assertion> assertions(int p99Millis) {
    return List.of(global().failedRequests().count().is(0L),
        details(MEASURED).responseTime().percentile(99.0).lt(p99Millis));
  }

}
