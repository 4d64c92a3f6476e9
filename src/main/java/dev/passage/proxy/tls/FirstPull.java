package dev.passage.proxy.tls;

import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * Passes elements through and runs an action the first time downstream pulls. Put before an
 * outgoing socket (which pulls nothing before it is connected), it says "connected" where a stage
 * in front (TLS) pulls early on its own.
 */
public final class FirstPull<T> extends GraphStage<FlowShape<T, T>> {
  private final Inlet<T> in = Inlet.create("first-pull.in");
  private final Outlet<T> out = Outlet.create("first-pull.out");
  private final FlowShape<T, T> shape = FlowShape.of(in, out);
  private final Runnable onFirstPull;

  public FirstPull(Runnable onFirstPull) {
    this.onFirstPull = onFirstPull;
  }

  @Override
  public FlowShape<T, T> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new GraphStageLogic(shape) {
      private boolean pulledOnce;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            push(out, grab(in));
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!pulledOnce) {
              pulledOnce = true;
              onFirstPull.run();
            }
            pull(in);
          }
        });
      }
    };
  }
}
