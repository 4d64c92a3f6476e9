package dev.passage.proxy;

import java.time.Duration;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Buffers a client's first bytes until its ClientHello is complete (across TCP segments and TLS
 * records), bounded in bytes and in time, then emits one {@link Inbound.Hello} and passes the
 * rest through as {@link Inbound.Chunk}s. Anything else (not TLS, malformed, too large, too slow,
 * closed early) becomes one {@link Inbound.Refused} and the stage completes.
 */
public final class ClientHelloPeek extends GraphStage<FlowShape<ByteString, Inbound>> {
  private final Inlet<ByteString> in = Inlet.create("ClientHelloPeek.in");
  private final Outlet<Inbound> out = Outlet.create("ClientHelloPeek.out");
  private final FlowShape<ByteString, Inbound> shape = FlowShape.of(in, out);
  private final int maxHandshakeBytes;
  private final Duration deadline;

  public ClientHelloPeek(int maxHandshakeBytes, Duration deadline) {
    this.maxHandshakeBytes = maxHandshakeBytes;
    this.deadline = deadline;
  }

  @Override
  public FlowShape<ByteString, Inbound> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      private ByteString buffer = ByteString.emptyByteString();
      private boolean decided;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            ByteString chunk = grab(in);
            if (decided) {
              push(out, new Inbound.Chunk(chunk));
              return;
            }
            buffer = buffer.concat(chunk);
            ClientHello.Result r = ClientHello.parse(buffer, maxHandshakeBytes);
            if (r instanceof ClientHello.Parsed p) {
              decided = true;
              cancelTimer("deadline");
              emit(out, new Inbound.Hello(buffer, p.sni(), p.handshakeBytes()));
              buffer = null;
            } else if (r instanceof ClientHello.Invalid i) {
              refuse(ProxyMetrics.Refusal.NOT_A_CLIENT_HELLO, i.reason());
            } else if (buffer.size() > 2 * maxHandshakeBytes + 1024) {
              refuse(ProxyMetrics.Refusal.NOT_A_CLIENT_HELLO, "more than " + buffer.size() + " bytes without a complete ClientHello");
            } else {
              pull(in);
            }
          }

          @Override
          public void onUpstreamFinish() {
            if (decided) completeStage();
            else refuse(ProxyMetrics.Refusal.CLOSED_EARLY, "client closed before its ClientHello was complete");
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (decided && !hasBeenPulled(in) && !isClosed(in)) pull(in);
          }
        });
      }

      @Override
      public void preStart() {
        scheduleOnce("deadline", deadline);
        pull(in);
      }

      @Override
      public void onTimer(Object key) {
        if (!decided) refuse(ProxyMetrics.Refusal.TIMEOUT, "no complete ClientHello within " + deadline.toMillis() + " ms");
      }

      private void refuse(ProxyMetrics.Refusal kind, String reason) {
        int received = buffer.size();
        decided = true;
        buffer = null;
        cancelTimer("deadline");
        cancel(in);
        emit(out, new Inbound.Refused(kind, reason, received), this::completeStage);
      }
    };
  }
}
