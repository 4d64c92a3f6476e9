package dev.passage.proxy.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.TlsClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The ClientHello reader under fuzzing (the contract is {@link HelloContract}'s): a seeded corpus
 * of mutated real and synthetic hellos, and jqwik properties over arbitrary bytes and record
 * splits. The long run of the same corpus is {@link ClientHelloFuzz} (README, Hardening).
 */
class ClientHelloFuzzTest {
  static List<byte[]> realHellos() throws Exception {
    List<byte[]> hellos = new ArrayList<>();
    for (String sni : new String[] {"api.example.com", "a.b.c.apps.example.com", "x", null}) hellos.add(TlsClient.clientHello(sni));
    return hellos;
  }

  @net.jqwik.api.Example
  void aSeededCorpusOfMutatedHellosHoldsTheContract() throws Exception {
    HelloMutator mutator = new HelloMutator(20261129L, realHellos());
    Map<String, Integer> verdicts = new TreeMap<>();
    Map<HelloMutator.Mutation, Integer> mutations = new TreeMap<>();
    for (int i = 0; i < 20_000; i++) {
      HelloMutator.Input input = mutator.next();
      String v = HelloContract.check(input.bytes(), input.chunks());
      verdicts.merge(v.startsWith("sni:") ? "sni" : v, 1, Integer::sum);
      mutations.merge(input.mutation(), 1, Integer::sum);
    }
    // the premise: the corpus reaches every kind of verdict and every mutation, in numbers
    for (String kind : List.of("sni", "no-sni", "invalid", "need-more")) {
      assertTrue(verdicts.getOrDefault(kind, 0) >= 200, kind + " too rare: " + verdicts);
    }
    assertEquals(HelloMutator.Mutation.values().length, mutations.size(), mutations.toString());
  }

  @Property(tries = 3000)
  void anyBytesReadInAnyCutsHoldTheContract(@ForAll @Size(max = 700) byte[] bytes, @ForAll("cuts") List<Integer> cuts) {
    HelloContract.check(bytes, chunks(bytes.length, cuts));
  }

  @Property(tries = 1000)
  void anyBytesAfterAValidRecordHeaderHoldTheContract(@ForAll @Size(max = 700) byte[] tail,
                                                      @ForAll @IntRange(min = 0, max = 20000) int length) {
    // a plausible handshake record header and handshake type, so that random bytes get past the first checks
    byte[] b = new byte[5 + 1 + tail.length];
    b[0] = 22;
    b[1] = 3;
    b[2] = 1;
    b[3] = (byte) (length >> 8);
    b[4] = (byte) length;
    b[5] = 1;
    System.arraycopy(tail, 0, b, 6, tail.length);
    HelloContract.check(b, new int[] {b.length});
  }

  @Property(tries = 500)
  void aRealHelloReframedIntoAnyRecordSizeKeepsItsSniWithinTheRecordCap(@ForAll("realHello") byte[] hello,
                                                                       @ForAll @IntRange(min = 1, max = 600) int recordSize) {
    byte[] handshake = Arrays.copyOfRange(hello, 5, hello.length);
    java.io.ByteArrayOutputStream framed = new java.io.ByteArrayOutputStream();
    int records = 0;
    for (int p = 0; p < handshake.length; p += recordSize, records++) {
      int n = Math.min(recordSize, handshake.length - p);
      framed.write(22);
      framed.write(3);
      framed.write(1);
      framed.write(n >> 8);
      framed.write(n);
      framed.write(handshake, p, n);
    }
    String v = HelloContract.check(framed.toByteArray(), new int[] {framed.size()});
    String original = HelloContract.check(hello, new int[] {hello.length});
    assertEquals(records <= HelloContract.MAX_RECORDS ? original : "invalid", v);
  }

  @Provide
  Arbitrary<List<Integer>> cuts() {
    return Arbitraries.integers().between(0, 700).list().ofMaxSize(20);
  }

  @Provide
  Arbitrary<byte[]> realHello() throws Exception {
    return Arbitraries.of(realHellos());
  }

  /** Chunk sizes from cut points. */
  static int[] chunks(int length, List<Integer> cuts) {
    List<Integer> points = new ArrayList<>();
    for (int c : cuts) if (c > 0 && c < length) points.add(c);
    points.add(length);
    points.sort(null);
    List<Integer> sizes = new ArrayList<>();
    int last = 0;
    for (int p : points) {
      if (p > last) sizes.add(p - last);
      last = p;
    }
    return sizes.stream().mapToInt(Integer::intValue).toArray();
  }
}
