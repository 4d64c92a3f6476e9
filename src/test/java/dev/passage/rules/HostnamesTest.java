package dev.passage.rules;

import dev.passage.table.Hostnames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostnamesTest {
  @Test
  void wildcardMatchesOneOrMoreLabelsNeverTheSuffixItself() {
    assertTrue(Hostnames.matches("*.example.com", "foo.example.com"));
    assertTrue(Hostnames.matches("*.example.com", "a.b.example.com"));
    assertFalse(Hostnames.matches("*.example.com", "example.com"));
    assertFalse(Hostnames.matches("*.example.com", "fooexample.com"));
    assertTrue(Hostnames.matches("*.com", "other.example.com"));
    assertFalse(Hostnames.matches("*.com", "com"));
    assertTrue(Hostnames.matches("", "anything.at.all"));
    assertTrue(Hostnames.matches("abc.example.com", "abc.example.com"));
    assertFalse(Hostnames.matches("abc.example.com", "x.abc.example.com"));
  }

  @Test
  void intersectionWorksInBothDirections() {
    assertEquals(Optional.of("abc.example.com"), Hostnames.intersect("abc.example.com", "*.example.com"));
    assertEquals(Optional.of("abc.example.com"), Hostnames.intersect("*.example.com", "abc.example.com"));
    assertEquals(Optional.of("*.example.com"), Hostnames.intersect("*.com", "*.example.com"));
    assertEquals(Optional.of("*.example.com"), Hostnames.intersect("*.example.com", "*.com"));
    assertEquals(Optional.of("*.com"), Hostnames.intersect(null, "*.com"));
    assertEquals(Optional.of("abc.example.com"), Hostnames.intersect("abc.example.com", null));
    assertEquals(Optional.of(""), Hostnames.intersect(null, null));
    assertEquals(Optional.empty(), Hostnames.intersect("*.example.com", "test.example.net"));
    assertEquals(Optional.empty(), Hostnames.intersect("*.example.com", "*.example.net"));
    assertEquals(Optional.empty(), Hostnames.intersect("www.example.com", "*.nomatch.com"));
    assertEquals(Optional.of("abc.example.com"), Hostnames.intersect("ABC.Example.com", "abc.example.com"));
  }

  @Test
  void mostSpecificFirstOrdersExactThenLongestWildcardThenCatchAll() {
    List<String> patterns = new ArrayList<>(List.of("", "*.com", "abc.example.com", "*.example.com"));
    patterns.sort(Hostnames.MOST_SPECIFIC_FIRST);
    assertEquals(List.of("abc.example.com", "*.example.com", "*.com", ""), patterns);
  }
}
