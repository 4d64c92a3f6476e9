package dev.passage.proxy.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Inputs for fuzzing the ClientHello reader: well-formed hellos (real ones a JDK client sent, and
 * synthetic ones with many, huge, odd or invalid server names and sizes up to past the limit),
 * then mutated: truncated, bits flipped, a length field set to 0, its maximum or off by one,
 * re-framed into other TLS record splits (down to one byte per record), bytes appended. All from
 * one seeded Random, so a failing input is reproduced from its seed.
 */
public final class HelloMutator {
  private final Random random;
  private final List<byte[]> realHellos;

  /** realHellos: ClientHello records as a real client sent them (one record each). */
  public HelloMutator(long seed, List<byte[]> realHellos) {
    this.random = new Random(seed);
    this.realHellos = realHellos;
  }

  public enum Mutation { NONE, TRUNCATE, BIT_FLIP, LENGTH_FIELD, RESPLIT, APPEND, SEVERAL }

  public record Input(byte[] bytes, Mutation mutation, int[] chunks) {}

  /** The next input: a base hello, one mutation (or several), and how it is cut into TCP reads. */
  public Input next() {
    byte[] base = random.nextInt(3) == 0 && !realHellos.isEmpty()
        ? realHellos.get(random.nextInt(realHellos.size())) : synthetic();
    Mutation m = Mutation.values()[random.nextInt(Mutation.values().length)];
    byte[] bytes = switch (m) {
      case NONE -> base;
      case SEVERAL -> {
        byte[] b = base;
        for (int i = 0, n = 2 + random.nextInt(3); i < n; i++) b = mutate(b, Mutation.values()[1 + random.nextInt(5)]);
        yield b;
      }
      default -> mutate(base, m);
    };
    return new Input(bytes, m, chunks(bytes.length));
  }

  private byte[] mutate(byte[] b, Mutation m) {
    return switch (m) {
      case TRUNCATE -> Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length));
      case BIT_FLIP -> {
        byte[] c = b.clone();
        for (int i = 0, n = 1 + random.nextInt(8); i < n && c.length > 0; i++) {
          c[random.nextInt(c.length)] ^= (byte) (1 << random.nextInt(8));
        }
        yield c;
      }
      case LENGTH_FIELD -> lengthField(b);
      case RESPLIT -> resplit(b);
      case APPEND -> {
        byte[] extra = new byte[1 + random.nextInt(64)];
        random.nextBytes(extra);
        byte[] c = Arrays.copyOf(b, b.length + extra.length);
        System.arraycopy(extra, 0, c, b.length, extra.length);
        yield c;
      }
      default -> b;
    };
  }

  /** TCP read sizes that add up to length: whole, halves, one byte at a time, or random. */
  private int[] chunks(int length) {
    if (length == 0) return new int[0];
    return switch (random.nextInt(4)) {
      case 0 -> new int[] {length};
      case 1 -> {
        int[] ones = new int[length];
        Arrays.fill(ones, 1);
        yield ones;
      }
      default -> {
        List<Integer> sizes = new ArrayList<>();
        int left = length;
        while (left > 0) {
          int n = 1 + random.nextInt(Math.min(left, 1 + random.nextInt(600)));
          sizes.add(n);
          left -= n;
        }
        yield sizes.stream().mapToInt(Integer::intValue).toArray();
      }
    };
  }

  // ---- well-formed synthetic hellos

  private static final String[] NAMES = {
      "a.example.com", "API.Example.COM", "trailing.example.com.", "_service.example.com", "x", "1.2.3.4",
      "xn--bcher-kva.example", "a..b.example.com", ".leading.example.com", ".", "", "has space.example.com",
      "nul\0byte.example.com", "caf\u00e9.example.com", "tab\t.example.com"};

  private byte[] synthetic() {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(3);
    body.write(3);
    byte[] randomBytes = new byte[32];
    random.nextBytes(randomBytes);
    body.writeBytes(randomBytes);
    int sid = random.nextBoolean() ? 32 : 0;
    body.write(sid);
    body.writeBytes(new byte[sid]);
    int suites = 1 + random.nextInt(40);
    u16(body, suites * 2);
    for (int i = 0; i < suites; i++) u16(body, 0x1301 + i);
    body.write(1);
    body.write(0);
    if (random.nextInt(20) == 0) return frame(body.toByteArray()); // no extensions at all
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    if (random.nextBoolean()) extension(ext, 10, randomBytes(random.nextInt(64))); // supported_groups-like
    if (random.nextInt(10) != 0) extension(ext, 0, serverNameList());
    if (random.nextInt(3) == 0) extension(ext, 21, new byte[random.nextInt(4) == 0 ? random.nextInt(17000) : random.nextInt(600)]); // padding
    u16(body, ext.size());
    body.writeBytes(ext.toByteArray());
    return frame(body.toByteArray());
  }

  private byte[] serverNameList() {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    int entries = random.nextInt(8) == 0 ? 1 + random.nextInt(200) : 1;
    for (int i = 0; i < entries; i++) {
      byte[] name = name();
      list.write(entries > 1 && i < entries - 1 && random.nextBoolean() ? 1 + random.nextInt(255) : 0); // name_type
      u16(list, name.length);
      list.writeBytes(name);
    }
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    u16(data, list.size());
    data.writeBytes(list.toByteArray());
    return data.toByteArray();
  }

  private byte[] name() {
    return switch (random.nextInt(6)) {
      case 0 -> ("n" + random.nextInt(1000) + ".example.com").getBytes(StandardCharsets.US_ASCII);
      case 1 -> { // huge: around the 253-character limit, or far past it
        int length = random.nextBoolean() ? 250 + random.nextInt(8) : 254 + random.nextInt(2000);
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte) (i % 10 == 9 ? '.' : 'a' + random.nextInt(26));
        yield b;
      }
      case 2 -> randomBytes(random.nextInt(40)); // any bytes, non-ASCII and NUL included
      default -> NAMES[random.nextInt(NAMES.length)].getBytes(StandardCharsets.UTF_8);
    };
  }

  /** handshake header + body, in one record, or in several when over the record size limit. */
  private static byte[] frame(byte[] body) {
    ByteArrayOutputStream handshake = new ByteArrayOutputStream();
    handshake.write(1);
    handshake.write(body.length >> 16);
    handshake.write(body.length >> 8);
    handshake.write(body.length);
    handshake.writeBytes(body);
    return records(handshake.toByteArray(), 16384);
  }

  private static byte[] records(byte[] handshake, int recordSize) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int p = 0; p < handshake.length; p += recordSize) {
      int n = Math.min(recordSize, handshake.length - p);
      out.write(22);
      out.write(3);
      out.write(1);
      u16(out, n);
      out.write(handshake, p, n);
    }
    return out.toByteArray();
  }

  // ---- mutations that know the structure

  /** The handshake layer of a well-formed input (its records' bodies), or null. */
  private static byte[] handshakeLayer(byte[] b) {
    ByteArrayOutputStream hs = new ByteArrayOutputStream();
    int p = 0;
    while (p + 5 <= b.length) {
      int length = ((b[p + 3] & 0xff) << 8) | (b[p + 4] & 0xff);
      if (p + 5 + length > b.length) return null;
      hs.write(b, p + 5, length);
      p += 5 + length;
    }
    return p == b.length ? hs.toByteArray() : null;
  }

  private byte[] resplit(byte[] b) {
    byte[] hs = handshakeLayer(b);
    if (hs == null || hs.length == 0) return b;
    int size = switch (random.nextInt(4)) {
      case 0 -> 1;
      case 1 -> 1 + random.nextInt(8);
      case 2 -> 1 + random.nextInt(Math.max(1, hs.length / 2));
      default -> 1 + random.nextInt(Math.max(1, hs.length));
    };
    return records(hs, size);
  }

  /** Sets one length field of a single-record hello to 0, its maximum, or one off. */
  private byte[] lengthField(byte[] b) {
    List<int[]> fields = lengthFields(b); // {offset, width}
    if (fields.isEmpty()) return b;
    int[] f = fields.get(random.nextInt(fields.size()));
    long max = (1L << (8 * f[1])) - 1;
    long value = 0;
    for (int i = 0; i < f[1]; i++) value = (value << 8) | (b[f[0] + i] & 0xff);
    long next = switch (random.nextInt(4)) {
      case 0 -> 0;
      case 1 -> max;
      case 2 -> Math.min(max, value + 1);
      default -> Math.max(0, value - 1);
    };
    byte[] c = b.clone();
    for (int i = f[1] - 1; i >= 0; i--) {
      c[f[0] + i] = (byte) next;
      next >>= 8;
    }
    return c;
  }

  /** The offsets and widths of the length fields of a hello in one record, as far as it is well formed. */
  static List<int[]> lengthFields(byte[] b) {
    List<int[]> fields = new ArrayList<>();
    try {
      fields.add(new int[] {3, 2}); // record length
      fields.add(new int[] {6, 3}); // handshake length
      int p = 9 + 34;
      fields.add(new int[] {p, 1}); // session id
      p += 1 + (b[p] & 0xff);
      fields.add(new int[] {p, 2}); // cipher suites
      p += 2 + u16(b, p);
      fields.add(new int[] {p, 1}); // compression methods
      p += 1 + (b[p] & 0xff);
      if (p + 2 > b.length) return fields;
      fields.add(new int[] {p, 2}); // extensions
      int end = Math.min(b.length, p + 2 + u16(b, p));
      p += 2;
      while (p + 4 <= end) {
        int type = u16(b, p);
        int length = u16(b, p + 2);
        fields.add(new int[] {p + 2, 2});
        if (type == 0 && p + 6 <= end) {
          fields.add(new int[] {p + 4, 2}); // server_name list
          int q = p + 6;
          int listEnd = Math.min(end, q + u16(b, p + 4));
          while (q + 3 <= listEnd) {
            fields.add(new int[] {q + 1, 2}); // one name
            q += 3 + u16(b, q + 1);
          }
        }
        p += 4 + length;
      }
    } catch (ArrayIndexOutOfBoundsException shorter) {
      // as far as the bytes go
    }
    fields.removeIf(f -> f[0] + f[1] > b.length);
    return fields;
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static void extension(ByteArrayOutputStream out, int type, byte[] data) {
    u16(out, type);
    u16(out, data.length);
    out.writeBytes(data);
  }

  private static void u16(ByteArrayOutputStream out, int v) {
    out.write(v >> 8);
    out.write(v);
  }

  private static int u16(byte[] b, int p) {
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }
}
