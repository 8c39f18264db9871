package io.daxtier.operator.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one door every API write the operator makes passes just before it is sent: asks {@link
 * Leadership} whether this instance may write (a refused write throws {@link NotLeader} and is not
 * sent; metric daxtier_api_writes_refused_total) and counts the others by kind and verb (metric
 * daxtier_api_writes_total).
 */
public final class WriteMeter {
  private final MeterRegistry registry;
  private final Leadership leadership;
  private final AtomicLong total = new AtomicLong();
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final Counter refused;

  /** A meter that never refuses (no leader election). */
  public WriteMeter(MeterRegistry registry) {
    this(registry, Leadership.unelected());
  }

  public WriteMeter(MeterRegistry registry, Leadership leadership) {
    this.registry = registry;
    this.leadership = leadership;
    this.refused =
        Counter.builder("daxtier.api.writes.refused")
            .description("API writes not sent because this instance is not the leader")
            .register(registry);
  }

  /**
   * Admits and records one write of {@code verb} (create, update, patch, delete, evict) on {@code
   * kind}; call it right before sending the write.
   *
   * @throws NotLeader when this instance may not write; do not send it
   */
  public void record(String kind, String verb) {
    try {
      leadership.check(kind, verb);
    } catch (NotLeader e) {
      refused.increment();
      throw e;
    }
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
