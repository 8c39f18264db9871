package io.daxtier.agent.run;

import io.daxtier.agent.cluster.PmemNodeSource;
import io.daxtier.agent.cluster.PmemNodeStatusWriter;
import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.reconcile.DeviceResult;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.reconcile.PassResult;
import io.daxtier.agent.state.NodeState;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-running agent: a pass at start (before anything is advertised), then on every desired
 * state change and every interval (heartbeat and poison watch). Every observed {@link NodeState}
 * goes to one listener, where the device plugin manager is wired in.
 */
public final class AgentLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentLoop.class);

  private final NodeReconciler reconciler;
  private final DesiredStateSource source;
  private final StatusSink sink;
  private final Consumer<NodeState> listener;
  private final AgentMetrics metrics;
  private final Clock clock;
  private final AtomicReference<Instant> lastPass = new AtomicReference<>();
  private final AtomicReference<PassResult> last = new AtomicReference<>();
  private final Set<String> reportedBlocks = new HashSet<>();
  private ScheduledExecutorService executor;

  public AgentLoop(
      NodeReconciler reconciler,
      DesiredStateSource source,
      StatusSink sink,
      Consumer<NodeState> listener,
      AgentMetrics metrics,
      Clock clock) {
    this.reconciler = reconciler;
    this.source = source;
    this.sink = sink;
    this.listener = listener;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * The cluster-mode agent of {@code nodeName}: desired state from its PmemNode, status through the
   * status subresource, every observed state to {@code listener} (the device plugin).
   */
  public static AgentLoop inCluster(
      NodeReconciler reconciler,
      KubernetesClient client,
      String nodeName,
      String eventNamespace,
      Consumer<NodeState> listener,
      AgentMetrics metrics,
      Clock clock) {
    return new AgentLoop(
        reconciler,
        new PmemNodeSource(client, nodeName),
        new PmemNodeStatusWriter(client, nodeName, eventNamespace, clock),
        listener,
        metrics,
        clock);
  }

  /** One pass; returns its result, or empty when there is no desired state yet. */
  public synchronized Optional<PassResult> runOnce() {
    try {
      Optional<DesiredState> desired = source.current();
      if (desired.isEmpty()) {
        LOG.info("no desired state yet");
        lastPass.set(clock.instant());
        return Optional.empty();
      }
      PassResult r = reconciler.reconcile(desired.get().pools(), desired.get().generation());
      sink.write(r.status());
      r.poison().forEach(sink::poison);
      for (DeviceResult b : r.blocked()) {
        if (reportedBlocks.add(b.device() + "/" + b.pool() + "/" + b.reason())) {
          sink.event(b.reason(), b.device() + " (pool " + b.pool() + "): " + b.message(), true);
        }
      }
      listener.accept(r.nodeState());
      metrics.record(r);
      last.set(r);
      lastPass.set(clock.instant());
      return Optional.of(r);
    } catch (Exception e) {
      metrics.passFailed();
      LOG.error("pass failed: {}", e.toString());
      return Optional.empty();
    }
  }

  /** Starts the periodic passes on an executor the caller owns. */
  public void start(ScheduledExecutorService executor, Duration interval) {
    this.executor = executor;
    source.onChange(() -> executor.execute(this::runOnce));
    executor.scheduleWithFixedDelay(this::runOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** When the last pass finished (null before the first). */
  public Instant lastPass() {
    return lastPass.get();
  }

  public Optional<PassResult> lastResult() {
    return Optional.ofNullable(last.get());
  }

  @Override
  public void close() {
    source.close();
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
