package dev.passage.testkit;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A plain TCP socket that records the first bytes it sends and receives, and can reshape its
 * first write (the ClientHello record when TLS is layered on top): one byte per write, or the
 * record split into two TLS records.
 */
public final class WireSocket extends Socket {
  public enum Shape { AS_IS, ONE_BYTE_AT_A_TIME, TWO_RECORDS }

  private static final int KEEP = 64 * 1024;
  private final Shape shape;
  private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private InputStream in;
  private OutputStream out;
  private boolean firstWrite = true;

  public WireSocket(Shape shape) {
    this.shape = shape;
  }

  public synchronized byte[] sent() {
    return sent.toByteArray();
  }

  public synchronized byte[] received() {
    return received.toByteArray();
  }

  private synchronized void keep(ByteArrayOutputStream into, byte[] b, int off, int len) {
    int room = KEEP - into.size();
    if (room > 0) into.write(b, off, Math.min(room, len));
  }

  @Override
  public synchronized InputStream getInputStream() throws IOException {
    if (in == null) {
      in = new FilterInputStream(super.getInputStream()) {
        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = super.read(b, off, len);
          if (n > 0) keep(received, b, off, n);
          return n;
        }
      };
    }
    return in;
  }

  @Override
  public synchronized OutputStream getOutputStream() throws IOException {
    if (out == null) {
      OutputStream raw = super.getOutputStream();
      out = new FilterOutputStream(raw) {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          boolean first = firstWrite;
          firstWrite = false;
          if (!first || shape == Shape.AS_IS) {
            keep(sent, b, off, len);
            raw.write(b, off, len);
            return;
          }
          if (shape == Shape.ONE_BYTE_AT_A_TIME) {
            for (int i = 0; i < len; i++) {
              keep(sent, b, off + i, 1);
              raw.write(b[off + i]);
              raw.flush();
            }
            return;
          }
          // TWO_RECORDS: the first record's payload split across two records of the same type
          int payload = ((b[off + 3] & 0xff) << 8) | (b[off + 4] & 0xff);
          int firstPart = payload / 3;
          byte[] reframed = new byte[len + 5];
          System.arraycopy(b, off, reframed, 0, 3);
          reframed[3] = (byte) (firstPart >> 8);
          reframed[4] = (byte) firstPart;
          System.arraycopy(b, off + 5, reframed, 5, firstPart);
          int second = 5 + firstPart;
          System.arraycopy(b, off, reframed, second, 3);
          int rest = payload - firstPart;
          reframed[second + 3] = (byte) (rest >> 8);
          reframed[second + 4] = (byte) rest;
          System.arraycopy(b, off + 5 + firstPart, reframed, second + 5, len - 5 - firstPart);
          keep(sent, reframed, 0, reframed.length);
          raw.write(reframed);
        }
      };
    }
    return out;
  }
}
