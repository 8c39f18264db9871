package io.daxtier.operator.cluster;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the leader-election Lease every {@code period} and tells {@link Leadership} its holder and
 * renew time, so the fence sees renewals (and a new holder) without waiting for the elector's
 * callbacks. A plain GET: the chart grants get/create/update on leases, not watch.
 */
public final class LeaseWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseWatch.class);
  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final Leadership leadership;
  private final ScheduledExecutorService timer;

  private LeaseWatch(
      KubernetesClient client, String namespace, String name, Leadership leadership) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.leadership = leadership;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "daxtier-lease-watch");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts reading the Lease {@code namespace/name} every {@code period}. */
  public static LeaseWatch start(
      KubernetesClient client,
      String namespace,
      String name,
      Leadership leadership,
      Duration period) {
    LeaseWatch w = new LeaseWatch(client, namespace, name, leadership);
    long ms = Math.max(1, period.toMillis());
    w.timer.scheduleWithFixedDelay(w::readNow, ms, ms, TimeUnit.MILLISECONDS);
    return w;
  }

  /** Reads the Lease once, now (also called when the elector acquires it). */
  public void readNow() {
    try {
      Lease lease = client.leases().inNamespace(namespace).withName(name).get();
      LeaseSpec spec = lease == null ? null : lease.getSpec();
      if (spec != null) {
        ZonedDateTime renewed = spec.getRenewTime();
        leadership.observe(spec.getHolderIdentity(), renewed == null ? null : instant(renewed));
      }
    } catch (KubernetesClientException e) {
      LOG.debug("cannot read lease {}/{}: {}", namespace, name, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("reading lease {}/{} failed", namespace, name, e);
    }
  }

  private static Instant instant(ZonedDateTime t) {
    return t.toInstant();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
