package io.daxtier.agent.health;

import io.daxtier.agent.poison.PoisonEvent;
import io.daxtier.agent.reconcile.DeviceResult;
import io.daxtier.agent.reconcile.PassResult;
import io.daxtier.agent.state.NumaCapacity;
import io.daxtier.agent.state.PoolCapacity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The agent's Prometheus metrics. */
public final class AgentMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  private AtomicLong gauge(String name, String description, String... tags) {
    String key = name + String.join(",", tags);
    return gauges.computeIfAbsent(
        key,
        k -> {
          AtomicLong v = new AtomicLong();
          Gauge.builder(name, v, AtomicLong::get)
              .description(description)
              .tags(tags)
              .register(registry);
          return v;
        });
  }

  public void record(PassResult r) {
    Counter.builder("daxtier_agent_passes")
        .description("Reconcile passes")
        .tag("converged", Boolean.toString(r.converged()))
        .register(registry)
        .increment();
    for (PoolCapacity p : r.nodeState().pools()) {
      gauge(
              "daxtier_pool_online_bytes",
              "Memory online for the pool on this node",
              "pool",
              p.pool())
          .set(p.numaNodes().stream().mapToLong(NumaCapacity::onlineBytes).sum());
      gauge("daxtier_pool_healthy_bytes", "Online memory not affected by poison", "pool", p.pool())
          .set(p.numaNodes().stream().mapToLong(NumaCapacity::healthyBytes).sum());
    }
    for (DeviceResult d : r.devices()) {
      gauge("daxtier_device_blocked", "1 when policy blocks the device", "device", d.device())
          .set(d.phase().name().equals("Blocked") ? 1 : 0);
    }
    for (PoisonEvent e : r.poison()) {
      Counter.builder("daxtier_poison_events")
          .description("New poison found in onlined memory")
          .tag("pool", e.pool())
          .tag("action", e.action().name())
          .register(registry)
          .increment();
      Counter.builder("daxtier_poison_pages")
          .description("Pages affected by new poison")
          .tag("pool", e.pool())
          .tag("action", e.action().name())
          .register(registry)
          .increment(e.pages());
    }
    gauge("daxtier_hardware_corrupted_bytes", "HardwareCorrupted from /proc/meminfo")
        .set(r.after().platform().hardwareCorruptedBytes());
  }

  public void passFailed() {
    Counter.builder("daxtier_agent_pass_failures")
        .description("Passes that threw")
        .register(registry)
        .increment();
  }

  /** Whether the last status write reached the API server (1) or not (0). */
  public void apiReachable(boolean reachable) {
    gauge("daxtier_agent_api_reachable", "1 when the last status write reached the API server")
        .set(reachable ? 1 : 0);
  }

  /** A status write that did not reach the API server (it is retried with backoff). */
  public void statusWriteFailed(String reason) {
    Counter.builder("daxtier_agent_status_write_failures")
        .description("Status writes that did not reach the API server (retried)")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /** A status write the API server refused (admission or validation; not retried). */
  public void statusWriteRefused(int code) {
    Counter.builder("daxtier_agent_status_writes_refused")
        .description("Status writes the API server refused (HTTP 400, 403, 422)")
        .tag("code", Integer.toString(code))
        .register(registry)
        .increment();
  }

  /** For tests and the health endpoint. */
  public MeterRegistry meters() {
    return registry;
  }
}
