package io.daxtier.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.health.HealthServer;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** /healthz, /readyz and /metrics. */
class HealthServerTest {
  @Test
  void servesHealthReadinessAndPoolMetrics() throws Exception {
    var k = Nodes.qemu();
    var metrics = new AgentMetrics();
    metrics.record(
        new NodeReconciler(k, new SimulatedNdctl(k), MutableClock.at("2026-11-25T04:00:00Z"))
            .reconcile(List.of(Pools.systemRam("tier")), 1L));
    try (HealthServer s = new HealthServer(0, metrics, () -> true, () -> false)) {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + s.port();
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(503);
      String body =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(body).contains("daxtier_pool_online_bytes{pool=\"tier\"} 9.39524096E8");
    }
  }
}
