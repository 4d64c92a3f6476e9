package passage.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;
import java.util.List;

/**
 * HTTPS termination with an HTTPRoute: -Dusers (default 20) keep-alive users for -Dduration seconds
 * against -Dhttp.hostname on -Dhttp.port (default web.example.com on 9443, load-tests/run.sh's
 * HTTPS listener), each response checked for -Dhttp.expect (default web-service). Fails on any
 * failed request, or a p99 above -Dp99.ms (default 500).
 */
public class HttpRouteSimulation extends Simulation {
  static final String HOST = System.getProperty("http.hostname", "web.example.com");
  static final int PORT = Targets.intSetting("http.port", 9443);
  static final String EXPECT = System.getProperty("http.expect", "web-service");

  ChainBuilder request = exec(http("HTTPRoute " + HOST).get("/")
      .check(status().is(200), bodyString().is(Targets.body(EXPECT))));

  {
    int users = Targets.intSetting("users", 20);
    setUp(Phases.closed("HTTPS with HTTPRoute", request, users, constantConcurrentUsers(users).during(Targets.duration())))
        .protocols(Targets.protocol(HOST, PORT, List.of()))
        .maxDuration(Phases.warmup().plus(Targets.duration()).plusSeconds(2))
        .assertions(Phases.assertions(Targets.intSetting("p99.ms", 500)));
  }
}
