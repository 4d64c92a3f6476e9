package dev.passage.cluster;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.remote.artery.tcp.SSLEngineProvider;
import org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider;
import scala.Option;

/**
 * Mutual TLS between the nodes (pekko.remote.artery.ssl.ssl-engine-provider): Pekko's
 * rotating-keys engine (the key and certificates under secret-mount-point, read again within
 * ssl-context-cache-ttl), whose refusals Passage sees: a handshake that fails (a certificate from
 * another CA, none, plain bytes on the remoting port) or a peer whose certificate names another
 * subject is counted and summarised in the log on the member that refused it ({@link RemotingRefusals}).
 * Pekko makes it by reflection, with the ActorSystem.
 */
public final class RemotingTls implements SSLEngineProvider {
  private final RotatingKeysSSLEngineProvider engines;
  private final RemotingRefusals refusals;

  public RemotingTls(ActorSystem system) {
    this.engines = new RotatingKeysSSLEngineProvider(system);
    this.refusals = RemotingRefusals.get(system);
    refusals.watchCertificate(system.settings().config().getString("pekko.remote.artery.ssl.rotating-keys-engine.cert-file"));
  }

  @Override
  public SSLEngine createServerSSLEngine(String hostname, int port) {
    return new ObservedEngine(engines.createServerSSLEngine(hostname, port), "inbound", refusals);
  }

  @Override
  public SSLEngine createClientSSLEngine(String hostname, int port) {
    return new ObservedEngine(engines.createClientSSLEngine(hostname, port), "outbound to " + hostname + ":" + port, refusals);
  }

  @Override
  public Option<Throwable> verifyClientSession(String hostname, SSLSession session) {
    Option<Throwable> refused = engines.verifyClientSession(hostname, session);
    if (refused.isDefined()) refusals.refused("inbound from " + session.getPeerHost(), refused.get().getMessage());
    return refused;
  }

  @Override
  public Option<Throwable> verifyServerSession(String hostname, SSLSession session) {
    Option<Throwable> refused = engines.verifyServerSession(hostname, session);
    if (refused.isDefined()) refusals.refused("outbound to " + hostname, refused.get().getMessage());
    return refused;
  }
}
