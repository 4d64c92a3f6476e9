package dev.passage.proxy.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.proxy.ClientHello;
import dev.passage.testkit.Property;
import dev.passage.testkit.TlsClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The ClientHello reader under fuzzing (the contract is {@link HelloContract}'s): a seeded corpus
 * of mutated real and synthetic hellos, and properties over arbitrary bytes and record splits
 * (seeded generators, {@link Property}: a failure prints the seed that replays it). The long run
 * of the same corpus is {@link ClientHelloFuzz} (docs/behaviour.md, Hardening).
 */
class ClientHelloFuzzTest {
  static List<byte[]> realHellos() throws Exception {
    List<byte[]> hellos = new ArrayList<>();
    for (String sni : new String[] {"api.example.com", "a.b.c.apps.example.com", "x", null}) hellos.add(TlsClient.clientHello(sni));
    return hellos;
  }

  @Test
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

  @Test
  void anyBytesReadInAnyCutsHoldTheContract() {
    Property.check("any bytes in any cuts", 3000, random -> {
      byte[] bytes = Property.bytes(random, 700);
      HelloContract.check(bytes, chunks(bytes.length, cuts(random)));
    });
  }

  @Test
  void anyBytesAfterAValidRecordHeaderHoldTheContract() {
    Property.check("any bytes after a record header", 1000, random -> {
      byte[] tail = Property.bytes(random, 700);
      int length = random.nextInt(8) == 0 ? List.of(0, 1, 20000).get(random.nextInt(3)) : random.nextInt(20001);
      HelloContract.check(afterRecordHeader(tail, length), new int[] {tail.length + 6});
    });
  }

  @Test
  void aRealHelloReframedIntoAnyRecordSizeKeepsItsSniWithinTheRecordCap() throws Exception {
    List<byte[]> hellos = realHellos();
    Property.check("a real hello in any record size", 500, random -> {
      byte[] hello = hellos.get(random.nextInt(hellos.size()));
      int recordSize = 1 + random.nextInt(600);
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
    });
  }

  /**
   * The premise of the properties above: they can fail. A reader that drops the last letter of an
   * SNI read in more than one piece is caught by the cuts property, with the seed to replay it.
   */
  @Test
  void theContractCatchesADeliberatelyBrokenReader() throws Exception {
    List<byte[]> hellos = realHellos();
    AssertionError caught = null;
    try {
      Property.check("a broken reader", 500, 1L, random -> {
        byte[] hello = hellos.get(random.nextInt(2)); // two hellos with an SNI
        HelloContract.check(hello, chunks(hello.length, cuts(random)), ClientHelloFuzzTest::brokenReader);
      });
    } catch (AssertionError e) {
      caught = e;
    }
    assertTrue(caught != null, "the contract let a reader that drops a letter of the SNI pass");
    assertTrue(caught.getMessage().contains("-Dproperty.seed=1"), caught.getMessage());
  }

  private static HelloContract.Reader brokenReader() {
    HelloContract.Reader real = HelloContract.dataPlaneReader();
    int[] reads = {0};
    return chunk -> {
      ClientHello.Result r = real.feed(chunk);
      reads[0]++;
      if (r instanceof ClientHello.Parsed p && p.sni() != null && reads[0] > 1) {
        return new ClientHello.Parsed(p.sni().substring(0, p.sni().length() - 1), p.handshakeBytes());
      }
      return r;
    };
  }

  /** A plausible handshake record header and handshake type, so that random bytes get past the first checks. */
  private static byte[] afterRecordHeader(byte[] tail, int length) {
    byte[] b = new byte[5 + 1 + tail.length];
    b[0] = 22;
    b[1] = 3;
    b[2] = 1;
    b[3] = (byte) (length >> 8);
    b[4] = (byte) length;
    b[5] = 1;
    System.arraycopy(tail, 0, b, 6, tail.length);
    return b;
  }

  /** Up to 20 cut points in [0, 700]. */
  static List<Integer> cuts(SplittableRandom random) {
    List<Integer> cuts = new ArrayList<>();
    for (int i = 0, n = random.nextInt(21); i < n; i++) cuts.add(random.nextInt(701));
    return cuts;
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
