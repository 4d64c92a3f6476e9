package dev.passage.bench;

import dev.passage.proxy.ClientHello;
import dev.passage.proxy.ClientHelloReader;
import dev.passage.testkit.TlsClient;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * A benchmark, not a test: the CPU the ClientHello reader spends per hello as the same hello is
 * split into more TLS records (each record arriving as its own chunk), printed as ratios to the
 * one-record case measured in the same run. A 16 KiB hello (a real JDK hello grown with a padding
 * extension) in 1, 10, 100, 1,000 and 16,384 records (one byte each): linear reassembly keeps the
 * cost per byte received flat; the record cap (passage.proxy.client-hello-max-records) refuses the
 * last cases long before the end, which is measured too.
 * <pre>
 *   mvn -q test-compile exec:java -Dexec.mainClass=dev.passage.bench.HelloReassemblyBenchmark -Dexec.classpathScope=test
 * </pre>
 */
public final class HelloReassemblyBenchmark {
  private static final int LIMIT = 16 * 1024 + 1024;

  public static void main(String[] args) throws Exception {
    byte[] handshake = grow(TlsClient.clientHello("bench.example.com"), 16 * 1024);
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    System.out.printf("ClientHello of %d bytes (handshake message), each record one chunk%n", handshake.length);
    System.out.printf("%8s %12s %14s %14s %12s%n", "records", "bytes in", "CPU per hello", "ns per byte", "vs 1 record");
    int[] splits = {1, 10, 100, 1000, handshake.length};
    for (int round = 0; round < 3; round++) { // warm every case up before measuring any
      for (int records : splits) {
        List<ByteString> chunks = frame(handshake, records);
        for (int i = 0; i < 100_000_000 / (16 * 1024 + 6 * records); i++) read(chunks, Integer.MAX_VALUE);
      }
    }
    double base = 0;
    for (int records : splits) {
      List<ByteString> chunks = frame(handshake, records);
      long bytes = chunks.stream().mapToLong(ByteString::size).sum();
      int iterations = (int) Math.max(20, 200_000_000 / bytes);
      long t0 = cpu.getCurrentThreadCpuTime();
      for (int i = 0; i < iterations; i++) read(chunks, Integer.MAX_VALUE);
      double perHello = (cpu.getCurrentThreadCpuTime() - t0) / (double) iterations;
      if (records == 1) base = perHello / bytes;
      System.out.printf("%8d %12d %11.1f µs %14.2f %12.2f%n", records, bytes, perHello / 1000, perHello / bytes,
          perHello / bytes / base);
    }
    List<ByteString> oneByteRecords = frame(handshake, handshake.length);
    long t0 = cpu.getCurrentThreadCpuTime();
    int n = 200_000;
    for (int i = 0; i < n; i++) read(oneByteRecords, 32);
    System.out.printf("with the default cap of 32 records, the 1-byte-record hello is refused after %.1f µs%n",
        (cpu.getCurrentThreadCpuTime() - t0) / (double) n / 1000);
  }

  private static ClientHello.Result read(List<ByteString> chunks, int maxRecords) {
    ClientHelloReader reader = new ClientHelloReader(LIMIT, maxRecords);
    ClientHello.Result r = null;
    for (ByteString c : chunks) {
      r = reader.feed(c);
      if (!(r instanceof ClientHello.NeedMore)) return r;
    }
    throw new IllegalStateException("incomplete: " + r);
  }

  /** The handshake message of a one-record hello, grown to about size bytes with a padding extension. */
  private static byte[] grow(byte[] record, int size) {
    byte[] hs = java.util.Arrays.copyOfRange(record, 5, record.length);
    int bodyLength = hs.length - 4;
    // find the extensions block: after version, random, session id, cipher suites, compression
    int p = 4 + 2 + 32;
    p += 1 + (hs[p] & 0xff);
    p += 2 + (((hs[p] & 0xff) << 8) | (hs[p + 1] & 0xff));
    p += 1 + (hs[p] & 0xff);
    int extLength = ((hs[p] & 0xff) << 8) | (hs[p + 1] & 0xff);
    int pad = size - hs.length - 4;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int newBody = bodyLength + 4 + pad;
    out.write(hs[0]);
    out.write(newBody >> 16);
    out.write(newBody >> 8);
    out.write(newBody);
    out.write(hs, 4, p - 4);
    out.write((extLength + 4 + pad) >> 8);
    out.write(extLength + 4 + pad);
    out.write(hs, p + 2, hs.length - p - 2);
    out.write(0);
    out.write(21); // padding
    out.write(pad >> 8);
    out.write(pad);
    out.write(new byte[pad], 0, pad);
    return out.toByteArray();
  }

  /** The handshake message in n TLS records of (nearly) equal size, one chunk each. */
  private static List<ByteString> frame(byte[] hs, int n) {
    List<ByteString> chunks = new ArrayList<>();
    int offset = 0;
    for (int i = 0; i < n; i++) {
      int end = (int) ((long) hs.length * (i + 1) / n);
      int len = end - offset;
      byte[] rec = new byte[5 + len];
      rec[0] = 22;
      rec[1] = 3;
      rec[2] = 1;
      rec[3] = (byte) (len >> 8);
      rec[4] = (byte) len;
      System.arraycopy(hs, offset, rec, 5, len);
      chunks.add(ByteString.fromArray(rec));
      offset = end;
    }
    return chunks;
  }
}
