package dev.passage.control;

import dev.passage.resources.GatewayView;
import dev.passage.resources.Kind;
import dev.passage.resources.NamespacedName;
import dev.passage.resources.ResourceIndex;
import dev.passage.resources.ServiceView;
import dev.passage.rules.GatewayRules;
import dev.passage.rules.RulesSettings;
import dev.passage.rules.ServicePlacement;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode: keeps one Service per served Gateway (owned by the Gateway, selecting the
 * Passage pods, its targetPorts the ports allocated to the Gateway's listeners) and deletes the
 * Services of Gateways that are gone. Works from each new snapshot; one round of API calls at a
 * time, the newest snapshot next.
 */
public final class GatewayServices extends AbstractBehavior<GatewayServices.Command> {
  private static final Logger log = LoggerFactory.getLogger(GatewayServices.class);

  /** The verbs on services this actor uses (edit is a get and a patch): RBAC must allow them. */
  public static final List<String> SERVICE_VERBS = List.of("get", "create", "patch", "delete");

  public sealed interface Command {}

  public record IndexChanged(ResourceIndex index) implements Command {}

  private record RoundDone(Throwable failure) implements Command {}

  private final KubernetesClient client;
  private final RulesSettings rules;
  private final RulesSettings.Kubernetes settings;
  private final ServicePlacement placement;
  private final Executor blocking;
  private ResourceIndex next;
  private boolean busy;

  public static Behavior<Command> create(KubernetesClient client, RulesSettings rules, RulesSettings.Kubernetes settings,
                                         Executor blocking) {
    return Behaviors.setup(ctx -> new GatewayServices(ctx, client, rules, settings, blocking));
  }

  private GatewayServices(ActorContext<Command> ctx, KubernetesClient client, RulesSettings rules,
                          RulesSettings.Kubernetes settings, Executor blocking) {
    super(ctx);
    this.client = client;
    this.rules = rules;
    this.settings = settings;
    this.placement = (ServicePlacement) rules.placement();
    this.blocking = blocking;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(IndexChanged.class, m -> {
          next = m.index();
          return startRound();
        })
        .onMessage(RoundDone.class, d -> {
          busy = false;
          if (d.failure() != null) getContext().getLog().warn("cannot update Gateway Services: {}", d.failure().toString());
          return startRound();
        })
        .build();
  }

  private Behavior<Command> startRound() {
    if (busy || next == null) return this;
    ResourceIndex index = next;
    next = null;
    busy = true;
    getContext().pipeToSelf(CompletableFuture.runAsync(() -> reconcile(index), blocking), (ok, err) -> new RoundDone(err));
    return this;
  }

  /** Blocking: runs on the blocking executor. */
  private void reconcile(ResourceIndex index) {
    Map<NamespacedName, Map<Integer, Integer>> allocation = placement.allocate(index);
    Set<NamespacedName> wanted = new HashSet<>();
    for (GatewayView gw : index.gateways()) {
      if (!GatewayRules.isServedBy(gw, index, rules)) continue;
      String name = ServicePlacement.serviceName(gw.meta().name());
      wanted.add(new NamespacedName(gw.meta().namespace(), name));
      Service desired = desired(gw, name, allocation.getOrDefault(gw.meta().ref(), Map.of()),
          ServicePlacement.ports(gw, index, false), ServicePlacement.ports(gw, index, true));
      var existing = index.service(gw.meta().namespace(), name);
      if (existing.isPresent() && same(existing.get(), desired)) continue;
      var resource = client.services().inNamespace(gw.meta().namespace()).withName(name);
      if (resource.get() == null) {
        client.services().inNamespace(gw.meta().namespace()).resource(desired).create();
        log.info("created Service {}/{} for Gateway {}", gw.meta().namespace(), name, gw.meta().ref());
      } else {
        resource.edit(s -> {
          s.getMetadata().setLabels(desired.getMetadata().getLabels());
          s.getMetadata().setOwnerReferences(desired.getMetadata().getOwnerReferences());
          s.getSpec().setType(desired.getSpec().getType());
          s.getSpec().setSelector(desired.getSpec().getSelector());
          s.getSpec().setPorts(desired.getSpec().getPorts());
          s.getSpec().setExternalIPs(desired.getSpec().getExternalIPs());
          return s;
        });
        log.info("updated Service {}/{} for Gateway {}", gw.meta().namespace(), name, gw.meta().ref());
      }
    }
    for (var r : index.all(Kind.SERVICE)) {
      ServiceView svc = (ServiceView) r;
      if (!ServicePlacement.MANAGED_BY.equals(svc.meta().labels().get(ServicePlacement.MANAGED_BY_LABEL))) continue;
      if (wanted.contains(svc.meta().ref())) continue;
      // its Gateway is gone (Kubernetes would collect it through the ownerReference; say so at once)
      client.services().inNamespace(svc.meta().namespace()).withName(svc.meta().name()).delete();
      log.info("deleted Service {} (its Gateway is gone)", svc.meta().ref());
    }
  }

  /**
   * tcp, udp: the listener ports TCP-based and UDP listeners use (a port may be both: a TCP and a
   * UDP service port, to the same target port number).
   */
  private Service desired(GatewayView gw, String name, Map<Integer, Integer> ports, Set<Integer> tcp, Set<Integer> udp) {
    List<ServicePort> servicePorts = new ArrayList<>();
    new TreeMap<>(ports).forEach((port, target) -> {
      if (tcp.contains(port)) servicePorts.add(new ServicePortBuilder()
          .withName("port-" + port).withProtocol("TCP").withPort(port).withTargetPort(new IntOrString(target)).build());
      if (udp.contains(port)) servicePorts.add(new ServicePortBuilder()
          .withName("port-" + port + "-udp").withProtocol("UDP").withPort(port).withTargetPort(new IntOrString(target)).build());
    });
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(gw.meta().namespace())
        .addToLabels(ServicePlacement.GATEWAY_LABEL, gw.meta().name())
        .addToLabels(ServicePlacement.MANAGED_BY_LABEL, ServicePlacement.MANAGED_BY)
        .addNewOwnerReference().withApiVersion("gateway.networking.k8s.io/v1").withKind("Gateway")
        .withName(gw.meta().name()).withUid(gw.meta().uid()).withController(true).withBlockOwnerDeletion(true)
        .endOwnerReference()
        .endMetadata()
        .withNewSpec().withType(settings.serviceType()).withSelector(settings.podSelector()).withPorts(servicePorts)
        .withExternalIPs(gw.addresses()).endSpec()
        .build();
  }

  private boolean same(ServiceView existing, Service desired) {
    Map<String, Integer> have = new TreeMap<>();
    existing.ports().forEach(p -> have.put(p.port() + "/" + (p.protocol() == null ? "TCP" : p.protocol()), p.targetPortNumber()));
    Map<String, Integer> want = new TreeMap<>();
    desired.getSpec().getPorts().forEach(p -> want.put(p.getPort() + "/" + p.getProtocol(), p.getTargetPort().getIntVal()));
    return have.equals(want) && Objects.equals(existing.type(), desired.getSpec().getType())
        && existing.selector().equals(desired.getSpec().getSelector())
        && existing.externalIps().equals(desired.getSpec().getExternalIPs())
        && ServicePlacement.MANAGED_BY.equals(existing.meta().labels().get(ServicePlacement.MANAGED_BY_LABEL));
  }
}
