package dev.passage.rules;

import dev.passage.table.HttpMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.resources.NamespacedName;
import dev.passage.table.HttpMatching.Candidate;
import dev.passage.table.HttpMatching.Match;
import dev.passage.table.HttpMatching.Pair;
import dev.passage.table.HttpMatching.PathMatch;
import dev.passage.table.HttpMatching.PathType;
import dev.passage.table.HttpMatching.Request;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * HTTPRoute matching and precedence, each case one the specification or a conformance test pins
 * (gateway-api-http.md 1.5 and 2.1: HTTPRoutePathMatchOrder, HTTPRouteMethodMatching,
 * HTTPRouteQueryParamMatching, HTTPRouteHeaderMatching).
 */
class HttpMatchingTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static Request get(String path) {
    return new Request("GET", path, Map.of(), Map.of());
  }

  static Candidate<String> candidate(String target, Match m) {
    return new Candidate<>(m, T0, new NamespacedName("default", "route"), 0, 0, target);
  }

  static String winner(List<Candidate<String>> candidates, Request r) {
    return HttpMatching.select(candidates, r).map(Candidate::target).orElse("404");
  }

  @Test
  void pathPrefixMatchesWholeSegmentsAndExactTheWholePath() {
    PathMatch prefix = new PathMatch(PathType.PATH_PREFIX, "/abc");
    for (String p : List.of("/abc", "/abc/", "/abc/def")) assertTrue(HttpMatching.pathMatches(prefix, p), p);
    assertFalse(HttpMatching.pathMatches(prefix, "/abcd"));
    assertFalse(HttpMatching.pathMatches(new PathMatch(PathType.PATH_PREFIX, "/v2"), "/v2example"));
    assertTrue(HttpMatching.pathMatches(new PathMatch(PathType.PATH_PREFIX, "/abc/"), "/abc"), "a trailing / in the value is ignored");
    assertTrue(HttpMatching.pathMatches(PathMatch.ANY, "/anything/at/all"));
    PathMatch exact = new PathMatch(PathType.EXACT, "/abc");
    assertTrue(HttpMatching.pathMatches(exact, "/abc"));
    for (String p : List.of("/abc/", "/Abc", "/abcd")) assertFalse(HttpMatching.pathMatches(exact, p), p);
  }

  @Test
  void exactBeatsPrefixAndTheLongerPrefixWins() {
    List<Candidate<String>> cs = List.of(
        candidate("prefix-/", Match.path(PathType.PATH_PREFIX, "/")),
        candidate("prefix-/one", Match.path(PathType.PATH_PREFIX, "/one")),
        candidate("prefix-/one/two", Match.path(PathType.PATH_PREFIX, "/one/two")),
        candidate("exact-/one/two", Match.path(PathType.EXACT, "/one/two")));
    assertEquals("exact-/one/two", winner(cs, get("/one/two")));
    assertEquals("prefix-/one/two", winner(cs, get("/one/two/three")));
    assertEquals("prefix-/one", winner(cs, get("/one/twothree")));
    assertEquals("prefix-/", winner(cs, get("/zero")));
  }

  @Test
  void aMethodRuleBeatsAHeaderRuleButALongerPrefixBeatsTheMethod() {
    List<Candidate<String>> cs = List.of(
        candidate("patch", new Match(PathMatch.ANY, List.of(), List.of(), "PATCH")),
        candidate("header", new Match(PathMatch.ANY, List.of(new Pair("version", "one")), List.of(), null)),
        candidate("path5", new Match(new PathMatch(PathType.PATH_PREFIX, "/path5"), List.of(), List.of(), null)));
    Request patchWithHeader = new Request("PATCH", "/", Map.of("version", "one"), Map.of());
    assertEquals("patch", winner(cs, patchWithHeader));
    assertEquals("path5", winner(cs, new Request("PATCH", "/path5", Map.of(), Map.of())));
    assertEquals("404", winner(List.of(candidate("get", new Match(PathMatch.ANY, List.of(), List.of(), "GET"))),
        new Request("HEAD", "/", Map.of(), Map.of())), "HEAD does not match a GET rule");
  }

  @Test
  void headersBeatQueryAndTwoHeadersBeatOne() {
    Match oneHeader = new Match(PathMatch.ANY, List.of(new Pair("Version", "one")), List.of(), null);
    Match twoHeaders = new Match(PathMatch.ANY, List.of(new Pair("version", "one"), new Pair("color", "blue")), List.of(), null);
    Match query = new Match(PathMatch.ANY, List.of(), List.of(new Pair("animal", "whale")), null);
    List<Candidate<String>> cs = List.of(candidate("one", oneHeader), candidate("two", twoHeaders), candidate("query", query));
    assertEquals("two", winner(cs, new Request("GET", "/", Map.of("version", "one", "color", "blue"), Map.of("animal", "whale"))));
    assertEquals("one", winner(cs, new Request("GET", "/", Map.of("version", "one"), Map.of("animal", "whale"))));
    assertEquals("query", winner(cs, new Request("GET", "/", Map.of(), Map.of("animal", "whale"))));
    assertEquals("404", winner(cs, new Request("GET", "/", Map.of(), Map.of("ANIMAL", "whale"))), "query names are case-sensitive");
  }

  @Test
  void onlyTheFirstOfEquivalentNamesCounts() {
    Match m = new Match(PathMatch.ANY, List.of(new Pair("X-Env", "prod"), new Pair("x-env", "dev")), List.of(), null);
    assertEquals(1, m.headers().size());
    assertTrue(HttpMatching.matches(m, new Request("GET", "/", Map.of("x-env", "prod"), Map.of())));
    assertFalse(HttpMatching.matches(m, new Request("GET", "/", Map.of("x-env", "dev"), Map.of())));
  }

  @Test
  void tiesGoToTheOlderRouteThenTheNameThenTheRuleOrder() {
    Match same = Match.path(PathType.PATH_PREFIX, "/");
    List<Candidate<String>> cs = new ArrayList<>(List.of(
        new Candidate<>(same, T0.plusSeconds(10), new NamespacedName("a", "young"), 0, 0, "young"),
        new Candidate<>(same, T0, new NamespacedName("b", "old"), 1, 0, "old-rule-1"),
        new Candidate<>(same, T0, new NamespacedName("b", "old"), 0, 0, "old-rule-0"),
        new Candidate<>(same, T0, new NamespacedName("a", "old"), 2, 0, "a-old")));
    assertEquals("a-old", winner(cs, get("/x")), "same age: a/old before b/old");
    cs.removeIf(c -> c.target().equals("a-old"));
    assertEquals("old-rule-0", winner(cs, get("/x")), "within a route: the first rule");
    Optional<Candidate<String>> none = HttpMatching.select(List.of(), get("/"));
    assertTrue(none.isEmpty());
  }
}
