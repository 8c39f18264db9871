package io.daxtier.operator.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts every API write the operator makes, by kind and verb (metric daxtier_api_writes_total).
 */
public final class WriteMeter {
  private final MeterRegistry registry;
  private final AtomicLong total = new AtomicLong();
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();

  public WriteMeter(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Records one write of {@code verb} (create, update, patch, delete, evict) on {@code kind}. */
  public void record(String kind, String verb) {
    total.incrementAndGet();
    counters
        .computeIfAbsent(
            kind + "/" + verb,
            k ->
                Counter.builder("daxtier.api.writes")
                    .description("API writes made by the operator")
                    .tag("kind", kind)
                    .tag("verb", verb)
                    .register(registry))
        .increment();
  }

  /** All writes so far. */
  public long total() {
    return total.get();
  }
}
