package io.daxtier.operator;

import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.operator.cluster.AgentLeases;
import io.daxtier.operator.cluster.DeviceClassWriter;
import io.daxtier.operator.cluster.Leadership;
import io.daxtier.operator.cluster.LeaseWatch;
import io.daxtier.operator.cluster.NodePatcher;
import io.daxtier.operator.cluster.PmemNodeWriter;
import io.daxtier.operator.cluster.PodEvictor;
import io.daxtier.operator.cluster.PoolEvents;
import io.daxtier.operator.cluster.PoolStatusWriter;
import io.daxtier.operator.cluster.WriteMeter;
import io.daxtier.operator.ops.HttpEndpoints;
import io.daxtier.operator.ops.OperatorMetrics;
import io.daxtier.operator.reconcile.DeviceClassSync;
import io.daxtier.operator.reconcile.NodeRenderReconciler;
import io.daxtier.operator.reconcile.PmemPoolReconciler;
import io.daxtier.operator.reconcile.PoolTrigger;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.event.rate.LinearRateLimiter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires and starts the operator: both reconcilers on one JOSDK {@link Operator}, with server-side
 * apply switched off (production runs the same write path the mock-server tests run), optional
 * leader election, Micrometer metrics and the health/metrics endpoints. Usable in-process: {@code
 * DaxtierOperator.start(client, config)} returns a {@link Handle} to stop it.
 *
 * <p>One leader: with leader election on, every write passes the {@link Leadership} fence, which
 * opens when this instance holds the Lease and closes for good when it loses it (elector callback,
 * another holder in the Lease, or no renewal seen within the renew deadline). On that loss the
 * reconcilers are stopped and {@code /healthz} answers 503, so the kubelet restarts the pod, which
 * joins again as a standby. JOSDK's exit-on-stop-leading stays off: the fence acts at once, even
 * before the elector's callback runs, and the process ends through its liveness probe.
 */
public final class DaxtierOperator {
  private static final Logger LOG = LoggerFactory.getLogger(DaxtierOperator.class);

  private DaxtierOperator() {}

  /** Starts an operator on {@code client} with the system clock. */
  public static Handle start(KubernetesClient client, OperatorConfig config) {
    return start(client, config, Clock.systemUTC());
  }

  /** Starts an operator on {@code client}; {@code clock} dates conditions, drains and events. */
  public static Handle start(KubernetesClient client, OperatorConfig config, Clock clock) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    Leadership leadership =
        config.leaderElection()
            ? Leadership.elected(config.identity(), config.renewDeadline(), Clock.systemUTC())
            : Leadership.unelected();
    WriteMeter writes = new WriteMeter(registry, leadership);
    OperatorMetrics metrics = new OperatorMetrics(registry);
    PoolEvents events = new PoolEvents(client, writes, config.eventNamespace(), clock);
    PodEvictor evictor = new PodEvictor(client, writes);
    PoolTrigger trigger = new PoolTrigger();
    NodeRenderReconciler renderer =
        new NodeRenderReconciler(
            clock,
            new PmemNodeWriter(client, writes),
            new NodePatcher(client, writes),
            evictor,
            events,
            metrics,
            trigger,
            config.drainPoll());
    PmemPoolReconciler pools =
        new PmemPoolReconciler(
            clock,
            new PoolStatusWriter(client, writes),
            events,
            metrics,
            renderer,
            trigger,
            new DeviceClassSync(
                new DeviceClassWriter(client, writes), DeviceClassWriter.served(client)),
            config.releaseRecheck());

    AgentLeases agentLeases =
        AgentLeases.start(
            client,
            config.leaseNamespace(),
            config.agentStaleAfter(),
            clock,
            stale -> trigger.fire(pools.poolNames()));
    pools.notReportingFrom(agentLeases::notReporting);
    LeaseWatch leaseWatch =
        config.leaderElection()
            ? LeaseWatch.start(
                client,
                config.leaseNamespace(),
                config.leaseName(),
                leadership,
                config.retryPeriod())
            : null;
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withUseSSAToPatchPrimaryResource(false)
                  .withSSABasedCreateUpdateMatchForDependentResources(false)
                  .withConcurrentReconciliationThreads(config.reconcileThreads())
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
              if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            config.leaseName())
                        .withLeaseNamespace(config.leaseNamespace())
                        .withIdentity(config.identity())
                        .withLeaseDuration(config.leaseDuration())
                        .withRenewDeadline(config.renewDeadline())
                        .withRetryPeriod(config.retryPeriod())
                        .withLeaderCallbacks(
                            new LeaderCallbacks(
                                () -> {
                                  leadership.startedLeading();
                                  leaseWatch.readNow(); // the fence opens with this renewal
                                },
                                leadership::stoppedLeading,
                                leader -> {}))
                        .withExitOnStopLeading(false)
                        .build());
              }
            });
    operator.register(
        renderer,
        o ->
            o.withOnUpdateFilter(NodeRenderReconciler::relevantNodeUpdate)
                .withGenerationAware(false));
    operator.register(
        pools,
        o ->
            o.withRateLimiter(
                new LinearRateLimiter(Duration.ofSeconds(1), config.poolReconcilesPerSecond())));
    Stopper stopper = new Stopper(operator, leaseWatch, agentLeases);
    leadership.onLoss(
        () -> {
          if (stopper.stopping()) {
            return; // shutting down: the elector reports the end of leading too
          }
          LOG.error(
              "lost the lease as {} ({}): writes refused, stopping the reconcilers; /healthz now"
                  + " fails so the pod is restarted",
              config.identity(),
              leadership.lostReason());
          Thread t = new Thread(stopper::stop, "daxtier-lost-lease");
          t.setDaemon(true);
          t.start();
        });
    try {
      operator.start();
    } catch (RuntimeException e) {
      if (leaseWatch != null) {
        leaseWatch.close();
      }
      agentLeases.close();
      throw e;
    }
    HttpEndpoints http =
        config.httpPort() < 0
            ? null
            : HttpEndpoints.start(
                config.httpPort(),
                registry,
                () -> !leadership.lost(),
                () -> operator.getRuntimeInfo().isStarted() && !leadership.lost());
    LOG.info(
        "daxtier operator started (leader election {}, http port {})",
        config.leaderElection(),
        http == null ? "off" : http.port());
    return new Handle(stopper, http, registry, writes, renderer, metrics, evictor, leadership);
  }

  /** Stops the operator and the lease watch once, whoever asks first (loss or shutdown). */
  private static final class Stopper {
    private final Operator operator;
    private final LeaseWatch leaseWatch;
    private final AgentLeases agentLeases;
    private final AtomicBoolean stopped = new AtomicBoolean();

    Stopper(Operator operator, LeaseWatch leaseWatch, AgentLeases agentLeases) {
      this.operator = operator;
      this.leaseWatch = leaseWatch;
      this.agentLeases = agentLeases;
    }

    boolean stopping() {
      return stopped.get();
    }

    synchronized void stop() { // a second caller waits for the first to finish
      if (stopped.compareAndSet(false, true)) {
        try {
          operator.stop();
        } finally {
          agentLeases.close();
          if (leaseWatch != null) {
            leaseWatch.close();
          }
        }
      }
    }
  }

  /** A running operator. */
  public static final class Handle implements AutoCloseable {
    private final Stopper stopper;
    private final Operator operator;
    private final Leadership leadership;
    private final HttpEndpoints http;
    private final PrometheusMeterRegistry registry;
    private final WriteMeter writes;
    private final NodeRenderReconciler renderer;
    private final OperatorMetrics metrics;
    private final PodEvictor evictor;

    Handle(
        Stopper stopper,
        HttpEndpoints http,
        PrometheusMeterRegistry registry,
        WriteMeter writes,
        NodeRenderReconciler renderer,
        OperatorMetrics metrics,
        PodEvictor evictor,
        Leadership leadership) {
      this.stopper = stopper;
      this.leadership = leadership;
      this.evictor = evictor;
      this.metrics = metrics;
      this.operator = stopper.operator;
      this.http = http;
      this.registry = registry;
      this.writes = writes;
      this.renderer = renderer;
    }

    /** API writes made so far (creates, updates, patches, evictions, events). */
    public long apiWrites() {
      return writes.total();
    }

    /** Node renders so far (each compares before it writes). */
    public long nodeRenders() {
      return metrics.renders();
    }

    /** Pool status aggregations so far. */
    public long poolAggregations() {
      return metrics.aggregations();
    }

    /** The metrics registry (what /metrics serves). */
    public PrometheusMeterRegistry registry() {
      return registry;
    }

    /** The HTTP port, or -1 when the endpoints are off. */
    public int httpPort() {
      return http == null ? -1 : http.port();
    }

    /** Whether the operator finished starting and did not lose the lease (readiness). */
    public boolean isReady() {
      return operator.getRuntimeInfo().isStarted() && !leadership.lost();
    }

    /** Where this instance stands in leader election (always LEADING-like without it). */
    public Leadership leadership() {
      return leadership;
    }

    /** Whether this instance is healthy (what /healthz says): false once it lost the lease. */
    public boolean isAlive() {
      return !leadership.lost();
    }

    /** The PmemNodes as the operator's cache sees them. */
    public Stream<PmemNode> cachedPmemNodes() {
      return renderer.cachedPmemNodes();
    }

    /** Stops the reconcilers and the endpoints; the client stays open. */
    public void stop() {
      if (http != null) {
        http.close();
      }
      stopper.stop();
      evictor.close();
    }

    @Override
    public void close() {
      stop();
    }
  }
}
