package passage.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;

/**
 * Latency at a load that does not saturate: an open model of -Drate requests per second (default
 * 200) for -Dduration seconds over a shared pool of keep-alive connections, so that arrivals do not
 * wait on each other as in a closed model. Fails on any failed request, or a p99 above -Dp99.ms
 * (default 500). (At 500 per second on 2 cores shared with Gatling and the backends, Gatling opens
 * connections faster than the JDK backends complete handshakes, through Passage and through HAProxy
 * alike: docs/performance.md, Load tests.)
 */
public class OpenModelSimulation extends Simulation {
  ChainBuilder request = exec(http("open model " + Targets.hostname()).get("/")
      .check(status().is(200), bodyString().is(Targets.body(Targets.expect()))));

  {
    setUp(Phases.open("open model", request, Targets.intSetting("rate", 200)))
        .protocols(Targets.shared(Targets.protocol()))
        .assertions(Phases.assertions(Targets.intSetting("p99.ms", 500)));
  }
}
