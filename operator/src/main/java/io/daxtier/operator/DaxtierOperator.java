package io.daxtier.operator;

import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.operator.cluster.NodePatcher;
import io.daxtier.operator.cluster.PmemNodeWriter;
import io.daxtier.operator.cluster.PodEvictor;
import io.daxtier.operator.cluster.PoolEvents;
import io.daxtier.operator.cluster.PoolStatusWriter;
import io.daxtier.operator.cluster.WriteMeter;
import io.daxtier.operator.ops.HttpEndpoints;
import io.daxtier.operator.ops.OperatorMetrics;
import io.daxtier.operator.reconcile.NodeRenderReconciler;
import io.daxtier.operator.reconcile.PmemPoolReconciler;
import io.daxtier.operator.reconcile.PoolTrigger;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.event.rate.LinearRateLimiter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires and starts the operator: both reconcilers on one JOSDK {@link Operator}, with server-side
 * apply switched off (production runs the same write path the mock-server tests run), optional
 * leader election, Micrometer metrics and the health/metrics endpoints. Usable in-process: {@code
 * DaxtierOperator.start(client, config)} returns a {@link Handle} to stop it.
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
    WriteMeter writes = new WriteMeter(registry);
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
            config.releaseRecheck());

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
    operator.start();
    HttpEndpoints http =
        config.httpPort() < 0
            ? null
            : HttpEndpoints.start(
                config.httpPort(),
                registry,
                () -> true,
                () -> operator.getRuntimeInfo().isStarted());
    LOG.info(
        "daxtier operator started (leader election {}, http port {})",
        config.leaderElection(),
        http == null ? "off" : http.port());
    return new Handle(operator, http, registry, writes, renderer, metrics, evictor);
  }

  /** A running operator. */
  public static final class Handle implements AutoCloseable {
    private final Operator operator;
    private final HttpEndpoints http;
    private final PrometheusMeterRegistry registry;
    private final WriteMeter writes;
    private final NodeRenderReconciler renderer;
    private final OperatorMetrics metrics;
    private final PodEvictor evictor;

    Handle(
        Operator operator,
        HttpEndpoints http,
        PrometheusMeterRegistry registry,
        WriteMeter writes,
        NodeRenderReconciler renderer,
        OperatorMetrics metrics,
        PodEvictor evictor) {
      this.evictor = evictor;
      this.metrics = metrics;
      this.operator = operator;
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

    /** Whether the operator finished starting (readiness). */
    public boolean isReady() {
      return operator.getRuntimeInfo().isStarted();
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
      operator.stop();
      evictor.close();
    }

    @Override
    public void close() {
      stop();
    }
  }
}
