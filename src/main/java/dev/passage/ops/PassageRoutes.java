package dev.passage.ops;

import dev.passage.resources.Json;
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
 * the listeners' bindings) and GET /passage/status (every computed status, asked of the controller
 * wherever it runs: {@link dev.passage.control.StatusPages}), both JSON; and
 * GET /metrics ({@link NodeMetrics}).
 * Registered under pekko.management.http.routes in reference.conf.
 */
public final class PassageRoutes extends AllDirectives implements ManagementRouteProvider {
  private final NodeView node;
  private final NodeMetrics metrics;
  private final org.apache.pekko.actor.typed.ActorSystem<?> system;

  public PassageRoutes(ExtendedActorSystem system) {
    this.system = Adapter.toTyped(system);
    this.node = new NodeView(Adapter.toTyped(system));
    this.metrics = new NodeMetrics(Adapter.toTyped(system));
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return concat(
        pathPrefix("passage", () -> get(() -> concat(
            path("routes", () -> complete(json(Documents.routes(node.ready(), node.dataPlane().openConnections(),
                node.dataPlane().tlsProvider().describe(), node.dataPlane().sessionTickets(), node.table().get(), node.dataPlane().bindings(),
                node.dataPlane().trafficPolicies().endpointHealth())))),
            path("status", () -> completeWithFuture(statuses()))))),
        path("metrics", () -> get(() -> optionalHeaderValueByName("Accept", accept -> {
          try {
            NodeMetrics.Scrape scrape = metrics.scrape(accept.orElse(null));
            return complete(org.apache.pekko.http.javadsl.model.HttpResponse.create().withEntity(
                HttpEntities.create(ContentTypes.parse(scrape.contentType()), scrape.body())));
          } catch (java.io.IOException e) {
            return complete(org.apache.pekko.http.javadsl.model.StatusCodes.INTERNAL_SERVER_ERROR, e.toString());
          }
        }))));
  }

  /** Every status, from the controller wherever it runs; 503 with the reason when it does not answer. */
  private java.util.concurrent.CompletionStage<org.apache.pekko.http.javadsl.model.HttpResponse> statuses() {
    return dev.passage.control.StatusPages.get(system).all()
        .thenApply(all -> json(Documents.statuses(all)))
        .exceptionally(e -> org.apache.pekko.http.javadsl.model.HttpResponse.create()
            .withStatus(org.apache.pekko.http.javadsl.model.StatusCodes.SERVICE_UNAVAILABLE)
            .withEntity("the controller did not answer: " + dev.passage.resources.RootCause.message(e) + "\n"));
  }

  private static org.apache.pekko.http.javadsl.model.HttpResponse json(Object document) {
    return org.apache.pekko.http.javadsl.model.HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.JSON.writeValueAsString(document)));
  }
}
