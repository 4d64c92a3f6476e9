package passage.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Every route at once: an open model of -Drate requests per second (default 300) cycling through
 * the hostnames of -Droutes (the tutorial's by default: exact names, a wildcard, another namespace,
 * a 90/10 split), every response checked for the backend it must come from. At the end the split
 * route's shares are checked against its weights (-Dsplit.host, -Dsplit.first, -Dsplit.weight, by
 * default canary.example.com, api-stable, 0.9) within 5 standard deviations (warm-up included);
 * outside the band the final "split within the band" request fails, and with it the run. Fails too on any failed request, or a p99 above -Dp99.ms (default 200).
 */
public class SniMixSimulation extends Simulation {
  static final Map<String, String> ROUTES = Targets.routes();
  static final Map<String, LongAdder> SEEN = new ConcurrentHashMap<>();
  static final String SPLIT_HOST = System.getProperty("split.host", "canary.example.com");
  static final String SPLIT_FIRST = System.getProperty("split.first", "api-stable");
  static final double SPLIT_WEIGHT = Double.parseDouble(System.getProperty("split.weight", "0.9"));

  static Iterator<Map<String, Object>> feeder() {
    List<Map<String, Object>> rows = new ArrayList<>();
    // a TLSRoute's weights share out connections, not requests: the split route's requests each take
    // a connection of their own, so that its shares can be checked against its weights
    ROUTES.forEach((host, backends) -> rows.add(Map.of("host", host, "backends", backends,
        "connection", host.equals(SPLIT_HOST) ? "close" : "keep-alive")));
    Supplier<Map<String, Object>> next = new Supplier<>() {
      int i;

      @Override
      public synchronized Map<String, Object> get() {
        return rows.get(i++ % rows.size());
      }
    };
    return java.util.stream.Stream.generate(next).iterator();
  }

  ChainBuilder request = feed(feeder()).exec(
      http("#{host}").get("https://#{host}:" + Targets.port() + "/").header("Connection", "#{connection}")
          .check(status().is(200))
          .check(bodyString().validate("from an allowed backend", (body, session) -> {
            String allowed = session.getString("backends");
            for (String b : allowed.split("\\|")) {
              if (body.equals(Targets.body(b))) {
                SEEN.computeIfAbsent(session.getString("host") + "=" + b, k -> new LongAdder()).increment();
                return body;
              }
            }
            throw new IllegalStateException("expected a body from " + allowed + ", got " + body.trim());
          })));

  {
    setUp(Phases.verdict(Phases.open("SNI mix", request, Targets.intSetting("rate", 300)),
            "split within the band", SniMixSimulation::splitWithinBand))
        .protocols(Targets.shared(Targets.protocol(Targets.hostname(), Targets.port(), new ArrayList<>(ROUTES.keySet()))))
        .assertions(Phases.assertions(Targets.intSetting("p99.ms", 200)));
  }

  /** Prints what each route answered; whether the split route's shares are within 5 sd of its weights. */
  static boolean splitWithinBand() {
    SEEN.forEach((k, v) -> System.out.println("responses " + k + ": " + v.sum()));
    long first = 0;
    long total = 0;
    for (Map.Entry<String, LongAdder> e : SEEN.entrySet()) {
      if (!e.getKey().startsWith(SPLIT_HOST + "=")) continue;
      total += e.getValue().sum();
      if (e.getKey().equals(SPLIT_HOST + "=" + SPLIT_FIRST)) first += e.getValue().sum();
    }
    if (total == 0) return true; // no split route in -Droutes
    double sd = Math.sqrt(total * SPLIT_WEIGHT * (1 - SPLIT_WEIGHT));
    double expected = total * SPLIT_WEIGHT;
    String verdict = String.format("split %s: %d of %d to %s, expected %.0f +- %.0f (5 sd)", SPLIT_HOST, first, total,
        SPLIT_FIRST, expected, 5 * sd);
    System.out.println(verdict);
    boolean within = Math.abs(first - expected) <= 5 * sd;
    if (!within) System.out.println("OUTSIDE THE BAND: " + verdict);
    return within;
  }
}
