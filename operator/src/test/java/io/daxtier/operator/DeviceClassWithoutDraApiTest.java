package io.daxtier.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.operator.render.DeviceClassOutcome;
import io.daxtier.operator.render.PoolStatusCalculator;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An API server older than Kubernetes 1.34 (no resource.k8s.io/v1): a DRA pool is reported with
 * condition DeviceClassReady=False, reason DRAUnavailable, and nothing is written or watched under
 * resource.k8s.io; the operator keeps rendering and aggregating every pool, DRA or not.
 */
@EnableKubernetesMockClient(crud = true)
class DeviceClassWithoutDraApiTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
  Cluster cluster;
  DaxtierOperator.Handle operator;

  @BeforeEach
  void start() {
    server
        .expect()
        .get()
        .withPath("/apis/resource.k8s.io/v1")
        .andReturn(404, new StatusBuilder().withCode(404).withReason("NotFound").build())
        .always();
    cluster = new Cluster(client);
    cluster.installCrds();
    operator =
        DaxtierOperator.start(client, OperatorConfig.fromEnvironment(Map.of()).embedded(), clock);
  }

  @AfterEach
  void stop() {
    operator.stop();
  }

  private Optional<Condition> condition(String pool) {
    return cluster
        .pool(pool)
        .filter(p -> p.getStatus() != null)
        .flatMap(
            p ->
                p.getStatus().conditions.stream()
                    .filter(c -> DeviceClassOutcome.CONDITION.equals(c.getType()))
                    .findFirst());
  }

  @Test
  void aDraPoolIsReportedUnavailableAndEveryPoolIsStillServed() throws InterruptedException {
    AtomicInteger resourceRequests = new AtomicInteger();
    cluster.node("old-1", Map.of("team", "old"));
    cluster.pool(
        "old-dra", Map.of("team", "old"), DeviceClassOnMockServerTest.dra("daxtier.io/cxl"));
    cluster.pool("old-dp", Map.of("team", "old"), p -> p.getSpec().resource.name = "daxtier.io/dp");

    await()
        .until(
            () ->
                condition("old-dra")
                    .map(
                        c ->
                            "False".equals(c.getStatus())
                                && PoolStatusCalculator.DRA_UNAVAILABLE.equals(c.getReason())
                                && c.getMessage().contains("old-dra.memory.daxtier.io"))
                    .orElse(false));
    // both pools are rendered onto the node and aggregated as usual
    await()
        .until(
            () ->
                cluster.has("old-1", "old-dra", NodePoolState.Active)
                    && cluster.has("old-1", "old-dp", NodePoolState.Active));
    cluster.agentReports("old-1", "old-dp", PoolPhase.Ready, null, 1L << 30);
    await()
        .until(
            () ->
                cluster
                    .pool("old-dp")
                    .map(p -> p.getStatus() != null && p.getStatus().phase == PoolPhase.Ready)
                    .orElse(false));
    assertThat(condition("old-dp")).isEmpty();
    PmemPool dra = cluster.pool("old-dra").orElseThrow();
    assertThat(dra.getStatus().deviceClass).isNull();
    assertThat(dra.getStatus().conditions).noneMatch(c -> "ReconcileError".equals(c.getType()));
    // nothing under resource.k8s.io was asked for besides discovery
    assertThat(server.getRequestCount()).isPositive();
    for (int i = 0; i < server.getRequestCount() && i < 10_000; i++) {
      var r = server.takeRequest(0, java.util.concurrent.TimeUnit.MILLISECONDS);
      if (r == null) {
        break;
      }
      if (r.getPath().startsWith("/apis/resource.k8s.io/v1/")) {
        resourceRequests.incrementAndGet();
      }
    }
    assertThat(resourceRequests.get()).isZero();
  }
}
