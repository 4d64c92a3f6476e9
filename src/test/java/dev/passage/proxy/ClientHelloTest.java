package dev.passage.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.testkit.TlsClient;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

/** The ClientHello parser on real hellos from the JDK's TLS client, reshaped as networks and clients do. */
class ClientHelloTest {
  static final int LIMIT = 16 * 1024;

  static ClientHello.Result parse(byte[] b) {
    return ClientHello.parse(ByteString.fromArray(b), LIMIT);
  }

  @Test
  void readsTheSniOfARealClientHello() throws Exception {
    ClientHello.Result r = parse(TlsClient.clientHello("API.example.com"));
    assertEquals("api.example.com", assertInstanceOf(ClientHello.Parsed.class, r).sni());
  }

  @Test
  void aHelloWithoutServerNameHasNoSni() throws Exception {
    assertNull(assertInstanceOf(ClientHello.Parsed.class, parse(TlsClient.clientHello(null))).sni());
  }

  @Test
  void needsMoreUntilTheLastByteArrives() throws Exception {
    byte[] hello = TlsClient.clientHello("api.example.com");
    for (int n = 0; n < hello.length; n++) {
      assertInstanceOf(ClientHello.NeedMore.class, parse(Arrays.copyOf(hello, n)), "prefix of " + n + " bytes");
    }
    assertInstanceOf(ClientHello.Parsed.class, parse(hello));
  }

  @Test
  void reassemblesAHelloSplitAcrossRecords() throws Exception {
    byte[] framed = oneRecordPerByte(TlsClient.clientHello("split.example.com"));
    assertEquals("split.example.com", assertInstanceOf(ClientHello.Parsed.class, parse(framed)).sni());
  }

  /** One record per byte of handshake: the most fragmented legal form. */
  static byte[] oneRecordPerByte(byte[] hello) {
    int payload = hello.length - 5;
    byte[] framed = new byte[payload * 6];
    for (int i = 0; i < payload; i++) {
      framed[i * 6] = 22;
      framed[i * 6 + 1] = 3;
      framed[i * 6 + 2] = 1;
      framed[i * 6 + 3] = 0;
      framed[i * 6 + 4] = 1;
      framed[i * 6 + 5] = hello[5 + i];
    }
    return framed;
  }

  @Test
  void theReaderGivesTheSameAnswerWhateverTheChunksAndCountsRecords() throws Exception {
    byte[] hello = TlsClient.clientHello("chunks.example.com");
    byte[] framed = oneRecordPerByte(hello);
    int records = hello.length - 5;
    for (int chunk : new int[] {1, 2, 7, 100, framed.length}) {
      ClientHelloReader reader = new ClientHelloReader(LIMIT, records);
      ClientHello.Result r = ClientHello.NEED_MORE;
      for (int i = 0; i < framed.length; i += chunk) {
        assertInstanceOf(ClientHello.NeedMore.class, r, "decided before the last byte, chunks of " + chunk);
        r = reader.feed(ByteString.fromArray(framed, i, Math.min(chunk, framed.length - i)));
      }
      assertEquals("chunks.example.com", assertInstanceOf(ClientHello.Parsed.class, r).sni(), "chunks of " + chunk);
    }
    // one record more than the cap allows: refused as soon as that record's header is read
    ClientHelloReader capped = new ClientHelloReader(LIMIT, records - 1);
    ClientHello.Result r = capped.feed(ByteString.fromArray(framed));
    assertTrue(assertInstanceOf(ClientHello.Invalid.class, r).reason().contains("more than " + (records - 1) + " TLS records"));
  }

  @Test
  void refusesWhatIsNotAClientHello() throws Exception {
    assertInstanceOf(ClientHello.Invalid.class, parse("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
    byte[] hello = TlsClient.clientHello("api.example.com");
    byte[] notHello = hello.clone();
    notHello[5] = 2; // ServerHello
    assertInstanceOf(ClientHello.Invalid.class, parse(notHello));
    byte[] huge = hello.clone();
    huge[6] = 1; // declares a handshake message of more than 64 KiB
    ClientHello.Result r = parse(Arrays.copyOf(huge, 9));
    assertTrue(assertInstanceOf(ClientHello.Invalid.class, r).reason().contains("limit"));
    byte[] badRecordAfter = Arrays.copyOf(hello, hello.length + 5);
    badRecordAfter[3] = 0; // first record shorter than its message: the next "record" is not a handshake
    badRecordAfter[4] = 10;
    badRecordAfter[15] = 23;
    assertInstanceOf(ClientHello.Invalid.class, parse(badRecordAfter));
  }
}
