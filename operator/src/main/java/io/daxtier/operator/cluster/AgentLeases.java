package io.daxtier.operator.cluster;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent liveness from the agents' node Leases ({@code daxtier-agent-<node>}, label {@code
 * daxtier.io/lease=agent}, one namespace): a node whose Lease was last renewed more than {@code
 * staleAfter} ago is not reporting. The Leases are listed every quarter of {@code staleAfter}
 * (resourceVersion 0: served from the API server's watch cache) rather than watched: at 5,000 nodes
 * renewing every 10 s a watch delivers 500 events/s, each decoded on its own, where one list per 10
 * s decodes the same Leases in bulk (bench/steady-state.sh: operator CPU 7.5 % with a watch). When
 * the set of stale nodes changes, {@code onChange} gets it (the operator then re-aggregates every
 * pool). A node without a Lease is not counted here: its agent never started (its pools show
 * Pending) or predates the Lease. A failed list keeps the last answer.
 */
public final class AgentLeases implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentLeases.class);

  /** Label every agent Lease carries (the agent's NodeLease sets it). */
  public static final String LABEL = "daxtier.io/lease";

  public static final String LABEL_VALUE = "agent";
  public static final String PREFIX = "daxtier-agent-";

  private final KubernetesClient client;
  private final String namespace;
  private final Duration staleAfter;
  private final Clock clock;
  private final Consumer<Set<String>> onChange;
  private final ScheduledExecutorService checker;
  private volatile Set<String> stale = Set.of();
  private boolean failing;

  private AgentLeases(
      KubernetesClient client,
      String namespace,
      Duration staleAfter,
      Clock clock,
      Consumer<Set<String>> onChange) {
    this.client = client;
    this.namespace = namespace;
    this.staleAfter = staleAfter;
    this.clock = clock;
    this.onChange = onChange;
    this.checker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "daxtier-agent-leases");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the periodic check (the first at once). */
  public static AgentLeases start(
      KubernetesClient client,
      String namespace,
      Duration staleAfter,
      Clock clock,
      Consumer<Set<String>> onChange) {
    AgentLeases leases = new AgentLeases(client, namespace, staleAfter, clock, onChange);
    long every = Math.max(250, staleAfter.toMillis() / 4);
    leases.checker.scheduleWithFixedDelay(leases::check, 0, every, TimeUnit.MILLISECONDS);
    return leases;
  }

  /** Nodes whose agent is not reporting, by name (a snapshot). */
  public Set<String> notReporting() {
    return stale;
  }

  /** Re-computes the stale set; tells {@code onChange} when it moved. */
  public synchronized void check() {
    try {
      List<Lease> listed;
      try {
        listed =
            client
                .leases()
                .inNamespace(namespace)
                .withLabel(LABEL, LABEL_VALUE)
                .list(new ListOptionsBuilder().withResourceVersion("0").build())
                .getItems();
        if (failing) {
          LOG.info("agent Leases listed again");
        }
        failing = false;
      } catch (KubernetesClientException e) {
        if (!failing) {
          LOG.warn("agent Leases not listed ({}); keeping the last answer", e.getMessage());
        }
        failing = true;
        return;
      }
      Instant cutoff = clock.instant().minus(staleAfter);
      Set<String> now = new TreeSet<>();
      for (Lease l : listed) {
        Instant renewed = renewedAt(l);
        if (renewed == null || renewed.isBefore(cutoff)) {
          now.add(node(l));
        }
      }
      Set<String> before = stale;
      if (!now.equals(before)) {
        now.stream()
            .filter(n -> !before.contains(n))
            .forEach(n -> LOG.warn("node {}: agent not reporting (Lease not renewed)", n));
        before.stream()
            .filter(n -> !now.contains(n))
            .forEach(n -> LOG.info("node {}: agent reporting again", n));
        stale = Set.copyOf(now);
        onChange.accept(stale);
      }
    } catch (RuntimeException e) {
      LOG.warn("agent Lease check failed: {}", e.toString());
    }
  }

  /** The node an agent Lease stands for: its holder, failing that its name without the prefix. */
  static String node(Lease l) {
    String holder = l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    if (holder != null && !holder.isEmpty()) {
      return holder;
    }
    String name = l.getMetadata().getName();
    return name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
  }

  /** When {@code l} was last renewed (acquired, failing that); null when unknown. */
  static Instant renewedAt(Lease l) {
    if (l.getSpec() == null) {
      return null;
    }
    ZonedDateTime t =
        l.getSpec().getRenewTime() != null
            ? l.getSpec().getRenewTime()
            : l.getSpec().getAcquireTime();
    return t == null ? null : t.toInstant();
  }

  @Override
  public void close() {
    checker.shutdownNow();
  }
}
