package dev.passage.proxy;

import dev.passage.table.BackendKey;
import dev.passage.table.ResolvedBackend;
import dev.passage.table.BackendPolicy;
import dev.passage.table.RouteTable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node knows of the health of the endpoints TrafficPolicies watch: the active checks
 * it runs (healthCheck) and the ejections real connect failures earn (outlierDetection). New
 * connections go only to endpoints that are neither unhealthy nor ejected; when none is left the
 * backend has no ready endpoints.
 *
 * <ul>
 *   <li>Checks: every node checks the endpoints of every Service port whose policy asks, each on its
 *       own timer, the first at a random point of the interval (staggered); a check is a TCP
 *       connect, or a TLS handshake with the policy's SNI (any certificate: it checks that the
 *       endpoint answers, and reads when its certificate expires), within the timeout. An
 *       endpoint starts healthy (its EndpointSlice says it is ready); unhealthyThreshold failures
 *       in a row make it unhealthy, healthyThreshold successes healthy again. Checks run on
 *       {@link #CHECK_THREADS} threads: a check that waits for its timeout holds one.</li>
 *   <li>Ejection: consecutiveConnectFailures failed connects in a row (real traffic) eject an
 *       endpoint for ejectionTime, unless that would eject more than maxEjectedPercent of the
 *       backend's endpoints (rounded down, but one of two or more may always go: a lone endpoint
 *       is never ejected, there being nowhere else to send). A connect that succeeds resets the
 *       count.</li>
 * </ul>
 */
final class EndpointHealth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EndpointHealth.class);
  static final int CHECK_THREADS = 4;

  record Key(BackendKey backend, ResolvedBackend.Endpoint endpoint) {}

  static final class State {
    volatile boolean unhealthy;
    volatile long ejectedUntil; // System.nanoTime(); 0: not ejected
    volatile long certificateNotAfter; // epoch seconds of the last TLS check's certificate; 0: none seen
    final AtomicInteger connectFailures = new AtomicInteger();
    int failedChecks; // in a row (the checking thread's)
    int passedChecks;
    volatile boolean checked; // a check has run
  }

  private final ConcurrentHashMap<Key, State> states = new ConcurrentHashMap<>();
  /** The running check of each endpoint, and the check it runs (a changed policy restarts it). */
  private final Map<Key, Scheduled> checks = new HashMap<>(); // guarded by this
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemon("passage-health-timer"));
  private final ExecutorService checkers = Executors.newFixedThreadPool(CHECK_THREADS, daemon("passage-health-check"));
  final LongAdder ejections = new LongAdder();
  final LongAdder checksRun = new LongAdder();
  final LongAdder checksFailed = new LongAdder();

  private record Scheduled(BackendPolicy.HealthCheck check, ScheduledFuture<?> timer) {}

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * The endpoints a new connection may try, of a backend with this policy: without the unhealthy
   * and the ejected (the list itself when none is).
   */
  List<ResolvedBackend.Endpoint> usable(BackendKey backend, List<ResolvedBackend.Endpoint> ready, BackendPolicy policy) {
    if (policy == null || (policy.healthCheck() == null && policy.outlierDetection() == null) || ready.isEmpty()) return ready;
    long now = System.nanoTime();
    List<ResolvedBackend.Endpoint> out = null;
    for (int i = 0; i < ready.size(); i++) {
      State s = states.get(new Key(backend, ready.get(i)));
      boolean excluded = s != null && (s.unhealthy || (s.ejectedUntil != 0 && s.ejectedUntil - now > 0));
      if (excluded && out == null) out = new ArrayList<>(ready.subList(0, i));
      else if (!excluded && out != null) out.add(ready.get(i));
    }
    return out == null ? ready : out;
  }

  /** A connect to an endpoint failed: counted, and past the policy's threshold the endpoint is ejected if it may be. */
  void connectFailed(BackendKey backend, ResolvedBackend.Endpoint endpoint, BackendPolicy policy,
                     List<ResolvedBackend.Endpoint> ready) {
    BackendPolicy.OutlierDetection od = policy == null ? null : policy.outlierDetection();
    if (od == null) return;
    State s = states.computeIfAbsent(new Key(backend, endpoint), k -> new State());
    if (s.connectFailures.incrementAndGet() < od.consecutiveConnectFailures()) return;
    long now = System.nanoTime();
    if (s.ejectedUntil != 0 && s.ejectedUntil - now > 0) return; // already out
    int n = ready.size();
    int cap = n < 2 || od.maxEjectedPercent() == 0 ? 0 : Math.max(1, n * od.maxEjectedPercent() / 100);
    int ejected = 0;
    for (ResolvedBackend.Endpoint e : ready) {
      State other = states.get(new Key(backend, e));
      if (other != null && other != s && other.ejectedUntil != 0 && other.ejectedUntil - now > 0) ejected++;
    }
    if (ejected >= cap) return; // maxEjectedPercent: it stays, its failures still counted
    synchronized (s) {
      if (s.ejectedUntil != 0 && s.ejectedUntil - now > 0) return;
      s.ejectedUntil = now + od.ejectionMillis() * 1_000_000L;
      if (s.ejectedUntil == 0) s.ejectedUntil = 1;
    }
    s.connectFailures.set(0);
    ejections.increment();
    log.warn("endpoint {} of backend {} ejected for {} ms after {} connect failures in a row (TrafficPolicy {})", endpoint,
        backend, od.ejectionMillis(), od.consecutiveConnectFailures(), String.join(", ", policy.policies()));
  }

  /** A connect to an endpoint succeeded: its run of failures ends. */
  void connected(BackendKey backend, ResolvedBackend.Endpoint endpoint, BackendPolicy policy) {
    if (policy == null || policy.outlierDetection() == null) return;
    State s = states.get(new Key(backend, endpoint));
    if (s != null) s.connectFailures.set(0);
  }

  /**
   * The table changed: checks start for endpoints newly watched, stop for those no longer (their
   * state forgotten), and restart where the check itself changed.
   */
  synchronized void tableChanged(RouteTable table) {
    Map<Key, BackendPolicy.HealthCheck> wanted = new HashMap<>();
    Map<Key, Boolean> watched = new HashMap<>();
    for (Map.Entry<BackendKey, BackendPolicy> e : table.allBackendPolicies().entrySet()) {
      BackendPolicy p = e.getValue();
      if (p.healthCheck() == null && p.outlierDetection() == null) continue;
      for (ResolvedBackend.Endpoint ep : table.endpoints(e.getKey())) {
        Key k = new Key(e.getKey(), ep);
        watched.put(k, Boolean.TRUE);
        if (p.healthCheck() != null) wanted.put(k, p.healthCheck());
      }
    }
    for (var it = checks.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      BackendPolicy.HealthCheck now = wanted.get(e.getKey());
      if (e.getValue().check().equals(now)) continue;
      e.getValue().timer().cancel(false);
      it.remove();
      State s = states.get(e.getKey());
      if (s != null) { // a check that changed or stopped says nothing any more
        s.unhealthy = false;
        s.checked = false;
        s.failedChecks = 0;
        s.passedChecks = 0;
        s.certificateNotAfter = 0;
      }
    }
    states.keySet().removeIf(k -> !watched.containsKey(k));
    watched.keySet().forEach(k -> states.computeIfAbsent(k, x -> new State())); // each has its series from the start
    wanted.forEach((k, check) -> {
      if (checks.containsKey(k)) return;
      states.computeIfAbsent(k, x -> new State());
      long first = ThreadLocalRandom.current().nextLong(Math.max(1, check.intervalMillis()));
      ScheduledFuture<?> timer = timers.scheduleAtFixedRate(() -> checkers.execute(() -> check(k, check)),
          first, check.intervalMillis(), TimeUnit.MILLISECONDS);
      checks.put(k, new Scheduled(check, timer));
    });
  }

  private void check(Key k, BackendPolicy.HealthCheck check) {
    State s = states.get(k);
    if (s == null) return;
    String failure = null;
    long notAfter = 0;
    InetSocketAddress address = ConnectionHandler.socketAddress(k.endpoint());
    try (Socket socket = new Socket()) {
      socket.connect(address, (int) check.timeoutMillis());
      if (check.tlsSni() != null) {
        socket.setSoTimeout((int) check.timeoutMillis());
        SSLSocket tls = (SSLSocket) TRUST_ANY.getSocketFactory().createSocket(socket, check.tlsSni(), address.getPort(), false);
        SSLParameters params = tls.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(check.tlsSni())));
        tls.setSSLParameters(params);
        tls.startHandshake();
        if (tls.getSession().getPeerCertificates()[0] instanceof X509Certificate c) {
          notAfter = c.getNotAfter().toInstant().getEpochSecond();
        }
        tls.close();
      }
    } catch (Exception e) {
      failure = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    checksRun.increment();
    if (failure != null) checksFailed.increment();
    if (notAfter != 0) s.certificateNotAfter = notAfter;
    s.checked = true;
    if (failure == null) {
      s.failedChecks = 0;
      if (++s.passedChecks >= check.healthyThreshold() && s.unhealthy) {
        s.unhealthy = false;
        log.info("endpoint {} of backend {} is healthy again ({} checks passed)", k.endpoint(), k.backend(), s.passedChecks);
      }
    } else {
      s.passedChecks = 0;
      if (++s.failedChecks >= check.unhealthyThreshold() && !s.unhealthy) {
        s.unhealthy = true;
        log.warn("endpoint {} of backend {} is unhealthy: {} checks failed in a row, the last: {}", k.endpoint(), k.backend(),
            s.failedChecks, failure);
      }
    }
  }

  /** What a health check's TLS handshake trusts: anything (it checks that the endpoint answers, not who it is). */
  private static final SSLContext TRUST_ANY = trustAny();

  private static SSLContext trustAny() {
    try {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      return c;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Each watched endpoint's state now (metrics and /passage/routes). */
  Map<Key, State> states() {
    return states;
  }

  /** Whether an endpoint is ejected now. */
  static boolean ejected(State s) {
    return s.ejectedUntil != 0 && s.ejectedUntil - System.nanoTime() > 0;
  }

  @Override
  public void close() {
    timers.shutdownNow();
    checkers.shutdownNow();
  }
}
