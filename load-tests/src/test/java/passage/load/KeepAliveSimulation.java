package passage.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * Passthrough with keep-alive, closed model: each virtual user holds one connection and sends
 * requests back to back; users are added in steps (-Dusers.start, -Dusers.step, -Dsteps, each
 * -Dstep.seconds long) until throughput stops growing. {@link Knee} prints each level's throughput
 * and the knee at the end (the report's "Number of requests per second" against "Active users"
 * shows the same). Fails on any failed request, or a p99 above -Dp99.ms (default 500).
 */
public class KeepAliveSimulation extends Simulation {
  final Knee knee = new Knee();

  ChainBuilder request = exec(http("keep-alive " + Targets.hostname()).get("/")
      .check(status().is(200), bodyString().is(Targets.body(Targets.expect()))));

  {
    int start = Targets.intSetting("users.start", 10);
    int step = Targets.intSetting("users.step", 20);
    int steps = Targets.intSetting("steps", 5);
    int seconds = Targets.intSetting("step.seconds", 10);
    knee.levels(start, step, steps, seconds);
    setUp(Phases.closed("passthrough keep-alive", request.exec(knee::count), start,
            incrementConcurrentUsers(step).times(steps).eachLevelLasting(seconds).startingFrom(start)))
        .protocols(Targets.protocol())
        .maxDuration(Phases.warmup().plus(Duration.ofSeconds((long) steps * seconds + 2)))
        .assertions(Phases.assertions(Targets.intSetting("p99.ms", 500)));
  }

  @Override
  public void after() {
    knee.report();
  }
}
