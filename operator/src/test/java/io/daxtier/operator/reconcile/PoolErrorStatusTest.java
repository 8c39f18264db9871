package io.daxtier.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.operator.Cluster;
import io.daxtier.operator.cluster.Leadership;
import io.daxtier.operator.cluster.PoolEvents;
import io.daxtier.operator.cluster.PoolStatusWriter;
import io.daxtier.operator.cluster.WriteMeter;
import io.daxtier.operator.ops.OperatorMetrics;
import io.daxtier.testkit.mock.PodsByNodeDispatcher;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An unexpected exception in the pool reconciler reaches the pool's status: the PmemNode lookup is
 * a fake with a failure switch, the rest is the real reconciler on JOSDK and the mock API server.
 */
class PoolErrorStatusTest {
  private KubernetesMockServer server;
  private KubernetesClient client;
  private Operator operator;
  private OperatorMetrics metrics;
  private final FailingLookup lookup = new FailingLookup();

  /** A PmemNode cache that holds nothing and, while {@code failing}, throws on every lookup. */
  static final class FailingLookup implements PmemNodeLookup {
    final AtomicBoolean failing = new AtomicBoolean(true);

    @Override
    public boolean ready() {
      return true;
    }

    @Override
    public Optional<PmemNode> pmemNode(String node) {
      if (failing.get()) {
        throw new IllegalStateException("cache exploded on " + node);
      }
      return Optional.empty();
    }
  }

  @BeforeEach
  void start() {
    server = PodsByNodeDispatcher.startServer();
    client = server.createClient();
    new Cluster(client).installCrds();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    WriteMeter writes = new WriteMeter(registry, Leadership.unelected());
    metrics = new OperatorMetrics(registry);
    operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withUseSSAToPatchPrimaryResource(false)
                    .withSSABasedCreateUpdateMatchForDependentResources(false));
    operator.register(
        new PmemPoolReconciler(
            Clock.systemUTC(),
            new PoolStatusWriter(client, writes),
            new PoolEvents(client, writes, "default", Clock.systemUTC()),
            metrics,
            lookup,
            new PoolTrigger(),
            DeviceClassSync.unserved(),
            Duration.ofSeconds(1)));
    operator.start();
  }

  @AfterEach
  void stop() {
    operator.stop();
    client.close();
    server.destroy();
  }

  @Test
  void aFailingReconcileShowsInStatusUntilAReconcileSucceeds() {
    Cluster cluster = new Cluster(client);
    cluster.node("n1", Map.of("team", "err"));
    cluster.pool("errpool", Map.of("team", "err"), p -> {});

    await().atMost(Duration.ofSeconds(20)).until(() -> error(cluster).isPresent());
    Condition c = error(cluster).orElseThrow();
    assertThat(c.getStatus()).isEqualTo("True");
    assertThat(c.getReason()).isEqualTo(ErrorCondition.REASON);
    assertThat(c.getMessage()).isEqualTo("IllegalStateException: cache exploded on n1");
    assertThat(cluster.pool("errpool").orElseThrow().getStatus().phase).isEqualTo(PoolPhase.Failed);
    assertThat(metrics.poolErrors()).isPositive();

    lookup.failing.set(false); // JOSDK's retry reconciles again, now successfully
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                error(cluster).isEmpty()
                    && cluster.pool("errpool").orElseThrow().getStatus().matchedNodes == 1);
    assertThat(cluster.pool("errpool").orElseThrow().getStatus().phase)
        .isNotEqualTo(PoolPhase.Failed);
  }

  private static Optional<Condition> error(Cluster cluster) {
    return cluster
        .pool("errpool")
        .map(PmemPool::getStatus)
        .flatMap(
            s ->
                s.conditions.stream()
                    .filter(c -> ErrorCondition.TYPE.equals(c.getType()))
                    .findFirst());
  }
}
