package dev.passage.proxy.io;

import java.io.IOException;

/** What a socket fails with when its peer took none of the bytes waiting for it for the send timeout. */
public final class SendTimeoutException extends IOException {
  SendTimeoutException(String message) {
    super(message);
  }
}
