package io.daxtier.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.api.v1alpha1.PmemPoolStatus;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.operator.cluster.AgentLeases;
import io.daxtier.operator.render.PoolStatusCalculator;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Node liveness comes from the agents' node Leases, not from PmemNode status writes: a node whose
 * Lease stops renewing is reported stale in its pools' status, and cleared when it renews again.
 */
@EnableKubernetesMockClient(crud = true)
class AgentLivenessTest {
  static final String NS = "daxtier-system";
  static KubernetesClient client;
  static KubernetesMockServer server;

  final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
  Cluster cluster;
  DaxtierOperator.Handle operator;

  @BeforeEach
  void start() {
    cluster = new Cluster(client);
    cluster.installCrds();
    OperatorConfig config =
        OperatorConfig.fromEnvironment(Map.of("POD_NAMESPACE", NS))
            .embedded()
            .withAgentStaleAfter(Duration.ofSeconds(2));
    operator = DaxtierOperator.start(client, config, clock);
  }

  @AfterEach
  void stop() {
    operator.stop();
  }

  private void renew(String node) {
    Lease existing = client.leases().inNamespace(NS).withName(AgentLeases.PREFIX + node).get();
    LeaseBuilder b =
        existing == null
            ? new LeaseBuilder()
                .withNewMetadata()
                .withName(AgentLeases.PREFIX + node)
                .withNamespace(NS)
                .withLabels(Map.of(AgentLeases.LABEL, AgentLeases.LABEL_VALUE))
                .endMetadata()
            : new LeaseBuilder(existing);
    Lease lease =
        b.editOrNewSpec()
            .withHolderIdentity(node)
            .withLeaseDurationSeconds(40)
            .withRenewTime(clock.instant().atZone(ZoneOffset.UTC))
            .endSpec()
            .build();
    client.leases().inNamespace(NS).resource(lease).createOr(r -> r.update());
  }

  private Optional<PmemPoolStatus> status(String pool) {
    return cluster.pool(pool).map(p -> p.getStatus()).filter(s -> s != null);
  }

  private Optional<Condition> stale(String pool) {
    return status(pool)
        .flatMap(
            s ->
                s.conditions.stream()
                    .filter(c -> PoolStatusCalculator.STALE.equals(c.getType()))
                    .findFirst());
  }

  @Test
  void aNodeWhoseLeaseStopsRenewingIsStaleUntilItRenewsAgain() {
    cluster.node("live-a", Map.of("team", "live"));
    cluster.node("live-b", Map.of("team", "live"));
    cluster.pool("live", Map.of("team", "live"), p -> {});
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> cluster.pmemNode("live-a").isPresent() && cluster.pmemNode("live-b").isPresent());
    cluster.agentReports("live-a", "live", PoolPhase.Ready, "Converged", 1L << 30);
    cluster.agentReports("live-b", "live", PoolPhase.Ready, "Converged", 1L << 30);
    renew("live-a");
    renew("live-b");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                status("live").map(s -> s.readyNodes == 2 && s.staleNodes == 0).orElse(false)
                    && stale("live").map(c -> "False".equals(c.getStatus())).orElse(false));

    // live-b keeps renewing, live-a stops; its PmemNode status is as fresh as ever
    clock.advance(Duration.ofSeconds(3));
    renew("live-b");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> status("live").map(s -> s.staleNodes == 1).orElse(false));
    Condition c = stale("live").orElseThrow();
    assertThat(c.getStatus()).isEqualTo("True");
    assertThat(c.getReason()).isEqualTo(PoolStatusCalculator.AGENT_NOT_REPORTING);
    assertThat(c.getMessage()).contains("live-a").doesNotContain("live-b");

    // a status write is not a sign of life
    cluster.agentReports("live-a", "live", PoolPhase.Ready, "Converged", 2L << 30);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> status("live").map(s -> s.staleNodes == 1).orElse(false));

    renew("live-a");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                status("live").map(s -> s.staleNodes == 0).orElse(false)
                    && stale("live").map(c2 -> "False".equals(c2.getStatus())).orElse(false));
  }
}
