package io.daxtier.agent.cluster;

import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.reconcile.StatusChanges;
import io.daxtier.agent.run.StatusSink;
import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the agent's status through the PmemNode status subresource as a JSON merge patch (no
 * server-side apply: one writer per field makes it unnecessary, and the mock API server lacks it).
 *
 * <p>Writes happen on this writer's own thread, never on the pass: {@link #write} only hands over
 * the latest status, so a pass is never held up or ended by the API server. A write that fails
 * because the API server cannot be reached (or answers with a server error) is retried with capped
 * exponential backoff; statuses handed over meanwhile replace the waiting one, so only the latest
 * is written when the API server is back. A write the API server refuses (400, 403, 422: admission
 * or validation) is logged, counted and made an Event, and not retried: the next pass hands over a
 * new status.
 *
 * <p>Quiet steady state: a status is written only when it differs from the last one written in
 * something other than heartbeat-like fields ({@link StatusChanges}), or when the last write is
 * {@link #FULL_REFRESH} old (so the heartbeat still moves, slowly), or when the PmemNode was
 * re-created meanwhile (another uid). Node liveness is the {@link NodeLease}, not this status.
 */
public final class PmemNodeStatusWriter implements StatusSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PmemNodeStatusWriter.class);
  public static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  public static final Duration MAX_RETRY = Duration.ofSeconds(60);

  /** An unchanged status is written again after this long (Kubernetes' node status: 5 min). */
  public static final Duration FULL_REFRESH = Duration.ofMinutes(5);

  private final KubernetesClient client;
  private final String nodeName;
  private final String eventNamespace;
  private final Clock clock;
  private final AgentMetrics metrics;
  private final Duration firstRetry;
  private final Duration maxRetry;
  private final Duration refresh;
  private final ScheduledExecutorService thread;
  private final boolean ownThread;
  private volatile boolean closed;

  /** The PmemNode as last observed (its uid tells a re-created one); empty when unknown. */
  private volatile Supplier<Optional<PmemNode>> observed = Optional::empty;

  /** Touched on the writer thread only: the last status the API server accepted, when, its uid. */
  private PmemNodeStatus lastWritten;

  private Instant lastWrittenAt = Instant.MIN;
  private String writtenUid;
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong unchanged = new AtomicLong();

  /** The status waiting to be written (null: none); only ever the latest. */
  private final AtomicReference<PmemNodeStatus> pending = new AtomicReference<>();

  /** Guarded by this: a flush is scheduled (now or after a backoff). */
  private boolean scheduled;

  /** Guarded by this: the current backoff; zero after a write that reached the API server. */
  private Duration backoff = Duration.ZERO;

  /** Why the API server is considered unreachable; null when the last write reached it. */
  private volatile String unreachable;

  public PmemNodeStatusWriter(
      KubernetesClient client, String nodeName, String eventNamespace, Clock clock) {
    this(client, nodeName, eventNamespace, clock, new AgentMetrics(), FIRST_RETRY, MAX_RETRY);
  }

  public PmemNodeStatusWriter(
      KubernetesClient client,
      String nodeName,
      String eventNamespace,
      Clock clock,
      AgentMetrics metrics,
      Duration firstRetry,
      Duration maxRetry) {
    this(
        client, nodeName, eventNamespace, clock, metrics, firstRetry, maxRetry, FULL_REFRESH, null);
  }

  /**
   * With {@code refresh}, the longest an unchanged status goes unwritten, and {@code executor}, the
   * thread writes run on (null: a thread of this writer's own; a shared one is not shut down by
   * {@link #close}, as many simulated nodes share one in the steady-state benchmark).
   */
  public PmemNodeStatusWriter(
      KubernetesClient client,
      String nodeName,
      String eventNamespace,
      Clock clock,
      AgentMetrics metrics,
      Duration firstRetry,
      Duration maxRetry,
      Duration refresh,
      ScheduledExecutorService executor) {
    this.refresh = refresh;
    this.ownThread = executor == null;
    this.thread =
        executor != null
            ? executor
            : Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "daxtier-status");
                  t.setDaemon(true);
                  return t;
                });
    this.client = client;
    this.nodeName = nodeName;
    this.eventNamespace = eventNamespace;
    this.clock = clock;
    this.metrics = metrics;
    this.firstRetry = firstRetry;
    this.maxRetry = maxRetry;
  }

  /** Where the PmemNode as last observed comes from (the agent's informer), to tell re-creation. */
  public void observe(Supplier<Optional<PmemNode>> observed) {
    this.observed = observed;
  }

  /** Status writes that reached the API server and were accepted. */
  public long writes() {
    return writes.get();
  }

  /** Statuses handed over and not written because nothing but heartbeat-like fields moved. */
  public long unchanged() {
    return unchanged.get();
  }

  private boolean stopped() {
    return closed || thread.isShutdown();
  }

  @Override
  public void write(PmemNodeStatus status) {
    pending.set(status);
    synchronized (this) {
      if (!scheduled && !stopped()) {
        scheduled = true;
        thread.execute(this::flush);
      }
      // else: a flush is due (or waiting out a backoff) and will take this status
    }
  }

  /** Why the API server was not reached by the last status write; empty when it was. */
  public Optional<String> unreachable() {
    return Optional.ofNullable(unreachable);
  }

  /** Whether a status is still waiting to be written. */
  public boolean hasPending() {
    return pending.get() != null;
  }

  private void flush() {
    synchronized (this) {
      scheduled = false;
    }
    PmemNodeStatus status = pending.getAndSet(null);
    if (status == null) {
      return;
    }
    if (!due(status)) {
      unchanged.incrementAndGet();
      return;
    }
    try {
      PmemNode stored = patch(status);
      lastWritten = status;
      lastWrittenAt = clock.instant();
      writtenUid = stored == null ? null : stored.getMetadata().getUid();
      writes.incrementAndGet();
      if (unreachable != null) {
        LOG.info("API server reachable again: status written");
      }
      unreachable = null;
      metrics.apiReachable(true);
      synchronized (this) {
        backoff = Duration.ZERO;
      }
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == 400 || code == 403 || code == 422) {
        refused(code, e);
        return;
      }
      // Unreachable, timed out, or a server error: keep this status unless a newer one came.
      pending.compareAndSet(null, status);
      String why = code > 0 ? "HTTP " + code : String.valueOf(e.getMessage());
      if (unreachable == null) {
        LOG.warn("status not written, API server unreachable ({}); retrying", why);
      }
      unreachable = why;
      metrics.apiReachable(false);
      metrics.statusWriteFailed(code > 0 ? "http" + code : "unreachable");
      retryLater();
    } catch (RuntimeException e) {
      pending.compareAndSet(null, status);
      unreachable = e.toString();
      metrics.apiReachable(false);
      metrics.statusWriteFailed("error");
      LOG.warn("status not written: {}; retrying", e.toString());
      retryLater();
    }
  }

  /**
   * Whether {@code status} is worth a write: nothing written yet, something but heartbeat-like
   * fields changed, the last write is {@link #FULL_REFRESH} old, or the PmemNode was re-created.
   */
  private boolean due(PmemNodeStatus status) {
    if (lastWritten == null || StatusChanges.differ(lastWritten, status)) {
      return true;
    }
    if (!clock.instant().isBefore(lastWrittenAt.plus(refresh))) {
      return true;
    }
    String uid = observed.get().map(n -> n.getMetadata().getUid()).orElse(null);
    return uid != null && writtenUid != null && !uid.equals(writtenUid);
  }

  private PmemNode patch(PmemNodeStatus status) {
    PmemNode patch = new PmemNode();
    patch.setMetadata(new ObjectMetaBuilder().withName(nodeName).build());
    patch.setStatus(status);
    return client.resource(patch).patchStatus();
  }

  private void refused(int code, KubernetesClientException e) {
    // The API server answered: it is reachable, but this content is not accepted. Retrying the same
    // content would be refused again, so it is dropped; the next pass's status is tried afresh.
    unreachable = null;
    metrics.apiReachable(true);
    metrics.statusWriteRefused(code);
    String message =
        "status write refused by the API server (HTTP " + code + "): " + e.getMessage();
    LOG.error(message);
    synchronized (this) {
      backoff = Duration.ZERO;
    }
    event("StatusRefused", message, true);
  }

  private synchronized void retryLater() {
    backoff = backoff.isZero() ? firstRetry : backoff.multipliedBy(2);
    if (backoff.compareTo(maxRetry) > 0) {
      backoff = maxRetry;
    }
    if (!scheduled && !stopped()) {
      scheduled = true;
      thread.schedule(this::flush, backoff.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void event(String reason, String message, boolean warning) {
    if (unreachable != null) {
      // During an outage an Event would only wait out the client's timeouts; what it would say is
      // in the status written when the API server is back, and in the log.
      LOG.info("event {} not recorded, API server unreachable: {}", reason, message);
      return;
    }
    if (!stopped()) {
      thread.execute(() -> createEvent(reason, message, warning));
    }
  }

  private void createEvent(String reason, String message, boolean warning) {
    try {
      PmemNode node = client.resources(PmemNode.class).withName(nodeName).get();
      String now = clock.instant().toString();
      client
          .v1()
          .events()
          .inNamespace(eventNamespace)
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withGenerateName(nodeName + "-")
                  .withNamespace(eventNamespace)
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withApiVersion(Api.API_VERSION)
                  .withKind("PmemNode")
                  .withName(nodeName)
                  .withUid(node == null ? null : node.getMetadata().getUid())
                  .endInvolvedObject()
                  .withReason(reason)
                  .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                  .withType(warning ? "Warning" : "Normal")
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource()
                  .withComponent("daxtier-agent")
                  .withHost(nodeName)
                  .endSource()
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.warn("event {} not recorded: {}", reason, e.getMessage());
    }
  }

  /**
   * Waits (at most {@code timeout}) until everything handed over so far has been tried once; false
   * on timeout.
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    try {
      thread.submit(() -> {}).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }

  /** Gives a waiting status a last few seconds to be written, then stops the writer thread. */
  @Override
  public void close() {
    if (unreachable == null) {
      try {
        drain(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closed = true;
    if (ownThread) {
      thread.shutdownNow();
    }
  }
}
