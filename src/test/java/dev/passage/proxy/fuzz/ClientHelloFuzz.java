package dev.passage.proxy.fuzz;

import java.util.Map;
import java.util.TreeMap;

/**
 * The long fuzzing run (not part of mvn verify): the seeded corpus of {@link ClientHelloFuzzTest}
 * for as many inputs as asked, each checked against {@link HelloContract}; it stops at the first
 * violation, printing the input. Prints the verdicts, the mutations, and the slowest input.
 * <pre>
 *   mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.proxy.fuzz.ClientHelloFuzz \
 *       -Dexec.classpathScope=test -Dexec.args="10000000 1"
 * </pre>
 * Arguments: the number of inputs (default 10,000,000) and the seed (default 1).
 */
public final class ClientHelloFuzz {
  public static void main(String[] args) throws Exception {
    long n = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 1L;
    HelloMutator mutator = new HelloMutator(seed, ClientHelloFuzzTest.realHellos());
    Map<String, Long> verdicts = new TreeMap<>();
    Map<HelloMutator.Mutation, Long> mutations = new TreeMap<>();
    long bytes = 0;
    long slowest = 0;
    int slowestLength = 0;
    long start = System.nanoTime();
    for (long i = 1; i <= n; i++) {
      HelloMutator.Input input = mutator.next();
      long t = System.nanoTime();
      String v = HelloContract.check(input.bytes(), input.chunks());
      long took = System.nanoTime() - t;
      if (took > slowest && i > 100_000) { // after the JIT has settled
        slowest = took;
        slowestLength = input.bytes().length;
      }
      bytes += input.bytes().length;
      verdicts.merge(v.startsWith("sni:") ? "sni" : v, 1L, Long::sum);
      mutations.merge(input.mutation(), 1L, Long::sum);
      if (i % 1_000_000 == 0) System.out.printf("%,d inputs, %.0f s%n", i, (System.nanoTime() - start) / 1e9);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("%,d inputs (seed %d), %,d bytes, in %.0f s: no violation of the contract%n", n, seed, bytes, seconds);
    System.out.println("verdicts: " + verdicts);
    System.out.println("mutations: " + mutations);
    System.out.printf("slowest input (reader, reference and checks together): %.0f us for %,d bytes%n", slowest / 1e3,
        slowestLength);
  }
}
