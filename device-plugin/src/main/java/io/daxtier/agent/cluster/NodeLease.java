package io.daxtier.agent.cluster;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's liveness: a {@code coordination.k8s.io/v1} Lease per node ({@code
 * daxtier-agent-<node>} in the agent's namespace, holder the node), created when missing and
 * renewed every {@link #RENEW_EVERY} on its own thread, whatever the passes do (Kubernetes' node
 * heartbeat, KEP-589). The Lease renewed last is kept and updated as is (optimistic, by
 * resourceVersion), so a renewal is one small PUT; a conflict or a missing Lease is read again on
 * the next renewal. A failed renewal is logged once per outage and tried again on schedule.
 */
public final class NodeLease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeLease.class);

  /** How often the Lease is renewed. */
  public static final Duration RENEW_EVERY = Duration.ofSeconds(10);

  /** The Lease's duration: four renewals (the operator's stale threshold defaults to it). */
  public static final int DURATION_SECONDS = 40;

  /** Label on every agent Lease: what the operator's Lease informer selects. */
  public static final String LABEL = "daxtier.io/lease";

  public static final String LABEL_VALUE = "agent";

  /** Prefix of an agent Lease's name; the rest is the node's name. */
  public static final String PREFIX = "daxtier-agent-";

  private final KubernetesClient client;
  private final String namespace;
  private final String nodeName;
  private final Clock clock;
  private final Duration every;
  private final ScheduledExecutorService thread;
  private final boolean ownThread;
  private final AtomicLong renewals = new AtomicLong();
  private volatile boolean closed;
  private java.util.concurrent.ScheduledFuture<?> task;

  /** Touched on the renewing thread only: the Lease as last written (null: read it first). */
  private Lease current;

  private boolean failing;

  public NodeLease(KubernetesClient client, String namespace, String nodeName, Clock clock) {
    this(client, namespace, nodeName, clock, RENEW_EVERY, null);
  }

  /**
   * Renewing every {@code every} on {@code executor} (null: a thread of its own; a shared one is
   * not shut down by {@link #close}).
   */
  public NodeLease(
      KubernetesClient client,
      String namespace,
      String nodeName,
      Clock clock,
      Duration every,
      ScheduledExecutorService executor) {
    this.client = client;
    this.namespace = namespace;
    this.nodeName = nodeName;
    this.clock = clock;
    this.every = every;
    this.ownThread = executor == null;
    this.thread =
        executor != null
            ? executor
            : Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "daxtier-lease");
                  t.setDaemon(true);
                  return t;
                });
  }

  /** The Lease's name for {@code node}. */
  public static String name(String node) {
    return PREFIX + node;
  }

  /**
   * Starts renewing: the first renewal after {@code initialDelay}, then each one period after the
   * previous one ended (no burst of catch-up renewals after a stall).
   */
  public synchronized NodeLease start(Duration initialDelay) {
    if (task == null && !closed) {
      task =
          thread.scheduleWithFixedDelay(
              this::renew, initialDelay.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  public NodeLease start() {
    return start(Duration.ZERO);
  }

  /** Renewals that reached the API server (creates included). */
  public long renewals() {
    return renewals.get();
  }

  /** One renewal (creates the Lease when missing); on the renewing thread, or in tests. */
  public synchronized void renew() {
    if (closed) {
      return;
    }
    ZonedDateTime now = clock.instant().truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
    try {
      if (current == null) {
        current = client.leases().inNamespace(namespace).withName(name(nodeName)).get();
      }
      if (current == null) {
        current =
            client
                .leases()
                .inNamespace(namespace)
                .resource(
                    new LeaseBuilder()
                        .withNewMetadata()
                        .withName(name(nodeName))
                        .withNamespace(namespace)
                        .withLabels(Map.of(LABEL, LABEL_VALUE))
                        .endMetadata()
                        .withNewSpec()
                        .withHolderIdentity(nodeName)
                        .withLeaseDurationSeconds(DURATION_SECONDS)
                        .withAcquireTime(now)
                        .withRenewTime(now)
                        .endSpec()
                        .build())
                .create();
      } else {
        Lease next =
            new LeaseBuilder(current)
                .editMetadata()
                .addToLabels(LABEL, LABEL_VALUE)
                .endMetadata()
                .editOrNewSpec()
                .withHolderIdentity(nodeName)
                .withLeaseDurationSeconds(DURATION_SECONDS)
                .withRenewTime(now)
                .endSpec()
                .build();
        current = client.leases().inNamespace(namespace).resource(next).update();
      }
      renewals.incrementAndGet();
      if (failing) {
        LOG.info("node Lease {}/{} renewed again", namespace, name(nodeName));
      }
      failing = false;
    } catch (KubernetesClientException e) {
      current = null; // a conflict, a deleted Lease or an outage: read it afresh next time
      if (!failing) {
        LOG.warn(
            "node Lease {}/{} not renewed ({}); retrying every {}",
            namespace,
            name(nodeName),
            e.getCode() > 0 ? "HTTP " + e.getCode() : e.getMessage(),
            every);
      }
      failing = true;
    } catch (RuntimeException e) {
      current = null;
      if (!failing) {
        LOG.warn("node Lease {}/{} not renewed: {}", namespace, name(nodeName), e.toString());
      }
      failing = true;
    }
  }

  /** When {@code lease} was last renewed (acquired, failing that); null when it says neither. */
  public static Instant renewedAt(Lease lease) {
    if (lease.getSpec() == null) {
      return null;
    }
    ZonedDateTime t =
        lease.getSpec().getRenewTime() != null
            ? lease.getSpec().getRenewTime()
            : lease.getSpec().getAcquireTime();
    return t == null ? null : t.toInstant();
  }

  /** Stops renewing (the Lease is left to expire: that is how the operator learns we are gone). */
  @Override
  public synchronized void close() {
    closed = true;
    if (task != null) {
      task.cancel(false);
    }
    if (ownThread) {
      thread.shutdownNow();
    }
  }
}
