package dev.passage.proxy.io;

import java.nio.ByteBuffer;

/**
 * The direct buffer each thread reads sockets into: the bytes read are copied out at once into
 * a ByteString of their own size, so an idle connection holds no buffer at all.
 */
final class ReadBuffers {
  private final ThreadLocal<ByteBuffer> buffers;

  ReadBuffers(int size) {
    this.buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(size));
  }

  ByteBuffer get() {
    return buffers.get();
  }
}
