package dev.passage.proxy.fuzz;

import dev.passage.proxy.ClientHello;
import dev.passage.proxy.ClientHelloReader;
import java.util.HexFormat;
import org.apache.pekko.util.ByteString;

/**
 * The ClientHello reader's contract, checked on one input: it never throws; its verdict does not
 * depend on how the bytes are cut into reads; it equals the {@link ReferenceClientHello}'s
 * reading of the same bytes (so a routed hello's SNI is what the bytes say); and it decides
 * within a bounded number of bytes (the record headers of the most records allowed, a handshake
 * header, and the largest hello allowed), never asking for more after that.
 */
public final class HelloContract {
  public static final int MAX_HELLO = 16 * 1024;
  public static final int MAX_RECORDS = 32;
  /** No verdict may need more bytes than this. */
  public static final int DECISION_BOUND = MAX_RECORDS * 5 + 4 + MAX_HELLO;

  private HelloContract() {}

  /** A ClientHello reader under test: fed the bytes read, one read at a time. */
  @FunctionalInterface
  public interface Reader {
    ClientHello.Result feed(ByteString chunk);
  }

  /** The data plane's reader, as the listeners make it. */
  public static Reader dataPlaneReader() {
    return new ClientHelloReader(MAX_HELLO, MAX_RECORDS)::feed;
  }

  /** Checks the contract on bytes read in the given chunk sizes; returns the verdict. */
  public static String check(byte[] bytes, int[] chunks) {
    return check(bytes, chunks, HelloContract::dataPlaneReader);
  }

  /** The same, for another reader (the premise test feeds it a deliberately broken one). */
  public static String check(byte[] bytes, int[] chunks, java.util.function.Supplier<Reader> readers) {
    String whole;
    String chunked;
    int decidedAt = -1;
    try {
      whole = verdict(readers.get().feed(ByteString.fromArrayUnsafe(bytes)));
      Reader reader = readers.get();
      ClientHello.Result r = new ClientHello.NeedMore();
      int offset = 0;
      for (int size : chunks) {
        r = reader.feed(ByteString.fromArrayUnsafe(bytes, offset, size));
        // decided within this read: it held byte number offset + 1 at least, perhaps no more
        if (decidedAt < 0 && !(r instanceof ClientHello.NeedMore)) decidedAt = offset + 1;
        offset += size;
      }
      if (offset != bytes.length) throw new IllegalArgumentException("chunks do not add up to the input");
      chunked = verdict(r);
    } catch (RuntimeException e) {
      throw new AssertionError("the reader threw on " + describe(bytes), e);
    }
    if (!whole.equals(chunked)) {
      throw new AssertionError("read whole: " + whole + ", read in " + chunks.length + " chunks: " + chunked + " for " + describe(bytes));
    }
    String reference = ReferenceClientHello.verdict(bytes, MAX_HELLO, MAX_RECORDS);
    if (!whole.equals(reference)) {
      throw new AssertionError("reader: " + whole + ", reference: " + reference + " for " + describe(bytes));
    }
    if (whole.equals("need-more") && bytes.length >= DECISION_BOUND) {
      throw new AssertionError("still undecided after " + bytes.length + " bytes");
    }
    if (decidedAt > DECISION_BOUND) {
      throw new AssertionError("still undecided after " + (decidedAt - 1) + " bytes for " + describe(bytes));
    }
    return whole;
  }

  static String verdict(ClientHello.Result r) {
    if (r instanceof ClientHello.Parsed p) return p.sni() == null ? "no-sni" : "sni:" + p.sni();
    if (r instanceof ClientHello.Invalid) return "invalid";
    return "need-more";
  }

  private static String describe(byte[] bytes) {
    String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 400));
    return bytes.length + " bytes: " + hex + (bytes.length > 400 ? "..." : "");
  }
}
