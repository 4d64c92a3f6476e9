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
 * Registered under pekko.management.http.routes in application.conf; the /passage routes are on
 * the management port only while it listens on loopback, else on the admin port ({@link AdminApi}).
 */
public final class PassageRoutes extends AllDirectives implements ManagementRouteProvider {
  private final NodeView node;
  private final NodeMetrics metrics;
  private final org.apache.pekko.actor.typed.ActorSystem<?> system;

  public PassageRoutes(ExtendedActorSystem system) {
    this(Adapter.toTyped(system), new NodeMetrics(Adapter.toTyped(system)));
  }

  private PassageRoutes(org.apache.pekko.actor.typed.ActorSystem<?> system, NodeMetrics metrics) {
    this.system = system;
    this.node = new NodeView(system);
    this.metrics = metrics;
  }

  /** The admin routes alone, for the admin port (no metrics registry of their own). */
  public static PassageRoutes adminOnly(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return new PassageRoutes(system, null);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    Route metricsRoute = metricsRoute();
    return AdminApi.onManagementPort(system.settings().config()) ? concat(adminRoutes(), metricsRoute) : metricsRoute;
  }

  /** GET /passage/routes and /passage/status: on the management port or the admin port ({@link AdminApi}). */
  public Route adminRoutes() {
    return pathPrefix("passage", () -> get(() -> concat(
        path("routes", () -> complete(json(Documents.routes(node.ready(), node.dataPlane().openConnections(),
            node.dataPlane().tlsProvider().describe(), node.dataPlane().sessionTickets(), node.table().get(), node.dataPlane().bindings(),
            node.dataPlane().trafficPolicies().endpointHealth())))),
        path("status", () -> completeWithFuture(statuses())))));
  }

  private Route metricsRoute() {
    return path("metrics", () -> get(() -> optionalHeaderValueByName("Accept", accept -> {
          try {
            NodeMetrics.Scrape scrape = metrics.scrape(accept.orElse(null));
            return complete(org.apache.pekko.http.javadsl.model.HttpResponse.create().withEntity(
                HttpEntities.create(ContentTypes.parse(scrape.contentType()), scrape.body())));
          } catch (java.io.IOException e) {
            return complete(org.apache.pekko.http.javadsl.model.StatusCodes.INTERNAL_SERVER_ERROR, e.toString());
          }
        })));
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
