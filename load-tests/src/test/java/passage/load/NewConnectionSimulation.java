package passage.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;

/**
 * A new TCP connection and TLS handshake per request, the costly path for a proxy: an open model
 * of -Drate users per second (default 100) for -Dduration seconds, each sending one request on a
 * connection of its own (virtual users share no connections). Fails on any failed request, or a
 * p99 above -Dp99.ms (default 1000).
 */
public class NewConnectionSimulation extends Simulation {
  ChainBuilder request = exec(http("new connection " + Targets.hostname()).get("/")
      .check(status().is(200), bodyString().is(Targets.body(Targets.expect()))));

  {
    setUp(Phases.open("new connection per request", request, Targets.intSetting("rate", 100)))
        .protocols(Targets.protocol())
        .assertions(Phases.assertions(Targets.intSetting("p99.ms", 1000)));
  }
}
