package dev.passage.ops;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Passage's own read-only management routes: GET /passage/routes (the current route table and
 * the listeners' bindings) and GET /passage/status (every computed status), both JSON; and
 * GET /metrics, the data plane's counters in Prometheus text format.
 * Registered under pekko.management.http.routes in reference.conf.
 */
public final class PassageRoutes extends AllDirectives implements ManagementRouteProvider {
  private final NodeView node;

  public PassageRoutes(ExtendedActorSystem system) {
    this.node = new NodeView(Adapter.toTyped(system));
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return concat(
        pathPrefix("passage", () -> get(() -> concat(
            path("routes", () -> complete(json(Documents.routes(node.ready(), node.dataPlane().openConnections(),
                node.table().get(), node.dataPlane().bindings())))),
            path("status", () -> complete(json(Documents.statuses(node.statuses().storedStatuses()))))))),
        path("metrics", () -> get(() -> complete(org.apache.pekko.http.javadsl.model.HttpResponse.create().withEntity(
            HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8,
                node.dataPlane().metrics().render(node.dataPlane().openConnections(), node.ready())
                    + "# HELP passage_controller 1 when the controller (the cluster singleton) runs on this node.\n"
                    + "# TYPE passage_controller gauge\n"
                    + "passage_controller " + (node.statuses().controllerHere() ? 1 : 0) + "\n"))))));
  }

  private static org.apache.pekko.http.javadsl.model.HttpResponse json(Object document) {
    return org.apache.pekko.http.javadsl.model.HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.JSON.writeValueAsString(document)));
  }
}
