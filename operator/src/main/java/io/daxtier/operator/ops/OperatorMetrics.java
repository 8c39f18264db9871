package io.daxtier.operator.ops;

import io.daxtier.api.v1alpha1.PmemPoolStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's own gauges, per pool: {@code daxtier_pool_nodes{pool,state}} and {@code
 * daxtier_pool_online_bytes} / {@code daxtier_pool_healthy_bytes}; counters of renders,
 * aggregations and of reconciles that failed ({@code daxtier_node_render_errors_total}, {@code
 * daxtier_pool_reconcile_errors_total}). JOSDK adds reconcile counts and latencies ({@code
 * operator_sdk_*}).
 */
public final class OperatorMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();
  private final Map<String, Meter.Id> ids = new ConcurrentHashMap<>();

  private final Counter renders;
  private final Counter aggregations;
  private final Counter renderErrors;
  private final Counter aggregationErrors;

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.renders =
        Counter.builder("daxtier.node.renders")
            .description("Per-node renders (each compares and writes only on change)")
            .register(registry);
    this.aggregations =
        Counter.builder("daxtier.pool.aggregations")
            .description("Pool status aggregations")
            .register(registry);
    this.renderErrors =
        Counter.builder("daxtier.node.render.errors")
            .description("Node reconciles that ended in an unexpected exception")
            .register(registry);
    this.aggregationErrors =
        Counter.builder("daxtier.pool.reconcile.errors")
            .description("Pool reconciles that ended in an unexpected exception")
            .register(registry);
  }

  /** Counts one node reconcile that failed. */
  public void renderFailed() {
    renderErrors.increment();
  }

  /** Counts one pool reconcile that failed. */
  public void poolFailed() {
    aggregationErrors.increment();
  }

  /** Node reconciles that failed so far. */
  public long renderErrors() {
    return (long) renderErrors.count();
  }

  /** Pool reconciles that failed so far. */
  public long poolErrors() {
    return (long) aggregationErrors.count();
  }

  /** Counts one node render. */
  public void rendered() {
    renders.increment();
  }

  /** Counts one pool status aggregation. */
  public void aggregated() {
    aggregations.increment();
  }

  /** Node renders so far. */
  public long renders() {
    return (long) renders.count();
  }

  /** Pool aggregations so far. */
  public long aggregations() {
    return (long) aggregations.count();
  }

  /** The registry everything is published in. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Publishes one pool's node counts and capacity. */
  public void recordPool(String pool, Map<String, Integer> nodesByState, PmemPoolStatus status) {
    nodesByState.forEach((state, n) -> set("daxtier.pool.nodes", pool, List.of("state", state), n));
    set("daxtier.pool.online.bytes", pool, List.of(), nz(status.onlineBytes));
    set("daxtier.pool.healthy.bytes", pool, List.of(), nz(status.healthyBytes));
  }

  /** Removes a deleted pool's gauges. */
  public void forgetPool(String pool) {
    ids.entrySet()
        .removeIf(
            e -> {
              if (e.getKey().startsWith(pool + "|")) {
                registry.remove(e.getValue());
                values.remove(e.getKey());
                return true;
              }
              return false;
            });
  }

  private void set(String metric, String pool, List<String> extraTags, long value) {
    String key = pool + "|" + metric + "|" + String.join("=", extraTags);
    values
        .computeIfAbsent(
            key,
            k -> {
              AtomicLong holder = new AtomicLong();
              Gauge.Builder<AtomicLong> b =
                  Gauge.builder(metric, holder, AtomicLong::get).tag("pool", pool);
              for (int i = 0; i + 1 < extraTags.size(); i += 2) {
                b = b.tag(extraTags.get(i), extraTags.get(i + 1));
              }
              ids.put(k, b.register(registry).getId());
              return holder;
            })
        .set(value);
  }

  private static long nz(Long v) {
    return v == null ? 0 : v;
  }
}
