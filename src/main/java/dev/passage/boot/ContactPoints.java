package dev.passage.boot;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Cluster Bootstrap forms a new cluster once it sees required-contact-point-nr pods. Tied to a
 * number in a manifest, scaling the StatefulSet to one replica would leave that pod waiting for
 * peers that never come. So when passage.cluster.statefulset names Passage's own StatefulSet, the
 * number is its replica count, read at start-up (an explicit
 * PASSAGE_REQUIRED_CONTACT_POINTS still wins). Only the first formation waits for it: a pod that
 * starts later joins the cluster that its contact points already belong to.
 */
public final class ContactPoints {
  public static final String SETTING = "pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr";

  private ContactPoints() {}

  public static Config fromReplicas(Config config, KubernetesClient client) throws StartupFailure {
    if (!config.getString("passage.cluster.join").equals("bootstrap")) return config;
    String name = config.getString("passage.cluster.statefulset");
    if (name.isEmpty() || System.getenv("PASSAGE_REQUIRED_CONTACT_POINTS") != null) return config;
    String namespace = config.getString("passage.cluster.namespace");
    if (namespace.isEmpty()) namespace = client.getNamespace();
    StatefulSet sts;
    try {
      sts = client.apps().statefulSets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new StartupFailure(StartupFailure.API_SERVER, "cannot read StatefulSet " + namespace + "/" + name
          + " to count the bootstrap contact points (passage.cluster.statefulset): " + dev.passage.resources.RootCause.message(e));
    }
    if (sts == null) {
      throw new StartupFailure(StartupFailure.USAGE, "StatefulSet " + namespace + "/" + name
          + " not found (passage.cluster.statefulset names the StatefulSet Passage runs in)");
    }
    int replicas = sts.getSpec().getReplicas() == null ? 1 : sts.getSpec().getReplicas();
    org.slf4j.LoggerFactory.getLogger(ContactPoints.class).info(
        "cluster bootstrap: StatefulSet {}/{} has {} replica(s); a new cluster forms once {} pod(s) see each other",
        namespace, name, replicas, replicas);
    return ConfigFactory.parseString(SETTING + " = " + Math.max(1, replicas)).withFallback(config);
  }
}
