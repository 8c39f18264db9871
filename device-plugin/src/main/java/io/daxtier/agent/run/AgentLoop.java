package io.daxtier.agent.run;

import io.daxtier.agent.cluster.PmemNodeSource;
import io.daxtier.agent.cluster.PmemNodeStatusWriter;
import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.poison.BadBlocksWatch;
import io.daxtier.agent.reconcile.DeviceResult;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.reconcile.PassResult;
import io.daxtier.agent.reconcile.StatusBuilder;
import io.daxtier.agent.record.DesiredStateCache;
import io.daxtier.agent.state.NodeState;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-running agent: a pass at start (before anything is advertised), then on every desired
 * state change, every interval and whenever the poison watch, on its own thread, sees new bad
 * blocks. Every observed {@link NodeState} goes to one listener, where the device plugin manager is
 * wired in.
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
  private final AtomicBoolean recheckQueued = new AtomicBoolean();
  private volatile ScheduledExecutorService executor;
  private volatile BadBlocksWatch watch;
  private volatile Duration watchTick;
  private ScheduledExecutorService watchExecutor;

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
   * status subresource, every observed state to {@code listener} (the device plugin). The last spec
   * seen is kept in {@code cache} (null: none) and used while the API server is unreachable.
   */
  public static AgentLoop inCluster(
      NodeReconciler reconciler,
      KubernetesClient client,
      String nodeName,
      String eventNamespace,
      DesiredStateCache cache,
      Consumer<NodeState> listener,
      AgentMetrics metrics,
      Clock clock) {
    PmemNodeSource source = new PmemNodeSource(client, nodeName, cache);
    PmemNodeStatusWriter writer =
        new PmemNodeStatusWriter(
            client,
            nodeName,
            eventNamespace,
            clock,
            metrics,
            PmemNodeStatusWriter.FIRST_RETRY,
            PmemNodeStatusWriter.MAX_RETRY);
    writer.observe(source::stored);
    return new AgentLoop(reconciler, source, writer, listener, metrics, clock);
  }

  /**
   * Why the agent is degraded, for readiness: the API server cannot be reached (the PmemNode is not
   * watched, or the last status write did not get through). Empty when it is not, and always in
   * standalone mode.
   */
  public Optional<String> degraded() {
    if (sink instanceof PmemNodeStatusWriter w && w.unreachable().isPresent()) {
      return Optional.of("API unreachable (" + w.unreachable().get() + ")");
    }
    if (source instanceof PmemNodeSource s && !s.watching()) {
      return Optional.of("API unreachable (PmemNode not watched)");
    }
    return Optional.empty();
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
      try {
        PassResult before = last.get();
        StatusBuilder.keepTransitionTimes(
            before != null ? before.status() : source.lastReported().orElse(null), r.status());
        sink.write(r.status());
        r.poison().forEach(sink::poison);
        for (DeviceResult b : r.warnings()) {
          if (reportedBlocks.add(b.device() + "/" + b.pool() + "/" + b.reason())) {
            sink.event(b.reason(), b.device() + " (pool " + b.pool() + "): " + b.message(), true);
          }
        }
      } catch (Exception e) {
        // Status and events are reports: failing to write them never stops advertising or the
        // poison watch.
        metrics.statusWriteFailed("error");
        LOG.warn("status not written: {}", e.toString());
      }
      listener.accept(r.nodeState());
      metrics.record(r);
      last.set(r);
      lastPass.set(clock.instant());
      r.recheckAfter().ifPresent(this::recheckIn);
      return Optional.of(r);
    } catch (Exception e) {
      metrics.passFailed();
      LOG.error("pass failed: {}", e.toString());
      return Optional.empty();
    }
  }

  /** Waits at most {@code timeout} for the desired state source's first answer ({@code --once}). */
  public boolean awaitSource(Duration timeout) throws InterruptedException {
    return source.awaitReady(timeout);
  }

  /** Starts the periodic passes on an executor the caller owns. */
  public void start(ScheduledExecutorService executor, Duration interval) {
    this.executor = executor;
    source.onChange(() -> executor.execute(this::runOnce));
    executor.scheduleWithFixedDelay(this::runOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Starts the poison watch on its own thread, every {@code tick}: it never waits for a pass (a
   * pass can wait up to the write deadline on a blocking sysfs write), so poison is seen while a
   * pass is held up. A change it sees queues a pass on the pass thread. Call after {@link #start}.
   */
  public void watchPoison(BadBlocksWatch watch, Duration tick) {
    this.watch = watch;
    this.watchTick = tick;
    watchExecutor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "daxtier-poison-watch");
              t.setDaemon(true);
              return t;
            });
    watchExecutor.scheduleWithFixedDelay(
        watch, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * One extra pass after {@code delay} (an ARS or an overwrite is running and the pass did not wait
   * for it), at most one queued at a time; the regular passes go on at their interval.
   */
  private void recheckIn(Duration delay) {
    ScheduledExecutorService e = executor;
    if (e != null && !e.isShutdown() && recheckQueued.compareAndSet(false, true)) {
      e.schedule(
          () -> {
            recheckQueued.set(false);
            runOnce();
          },
          delay.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /** Queues a pass on the pass thread and returns at once (the poison watch's trigger). */
  public void requestPass() {
    ScheduledExecutorService e = executor;
    if (e != null && !e.isShutdown()) {
      e.execute(this::runOnce);
    }
  }

  /**
   * Liveness: both threads are alive. The pass thread finished a pass within three intervals of
   * {@code now} (a blocking write holds it at most the write deadline, then the pass goes on), and
   * the poison watch, when started, finished a tick lately ({@link BadBlocksWatch#live}). It does
   * not depend on the API server: passes go on without it.
   */
  public boolean live(Duration interval, Instant now) {
    Instant l = lastPass.get();
    boolean passes = l == null || l.isAfter(now.minus(interval.multipliedBy(3)));
    return passes && (watch == null || watch.live(watchTick, now));
  }

  /** Readiness (before {@link #degraded}): a pass has produced a result. */
  public boolean ready() {
    return last.get() != null;
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
    if (sink instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.debug("status sink close: {}", e.toString());
      }
    }
    if (watchExecutor != null) {
      watchExecutor.shutdownNow();
    }
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
