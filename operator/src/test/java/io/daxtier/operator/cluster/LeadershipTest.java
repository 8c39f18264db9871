package io.daxtier.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.operator.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeadershipTest {
  static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
  static final Duration DEADLINE = Duration.ofSeconds(10);
  final MutableClock clock = new MutableClock(T0);
  final AtomicInteger losses = new AtomicInteger();

  private Leadership leading() {
    Leadership l = Leadership.elected("op-a", DEADLINE, clock);
    l.onLoss(losses::incrementAndGet);
    l.startedLeading();
    l.observe("op-a", T0);
    return l;
  }

  @Test
  void withoutLeaderElectionEveryWritePasses() {
    Leadership l = Leadership.unelected();
    l.stoppedLeading();
    assertThat(l.mayWrite()).isTrue();
    assertThat(l.lost()).isFalse();
  }

  @Test
  void aStandbyWritesNothingAndLosesNothing() {
    Leadership l = Leadership.elected("op-b", DEADLINE, clock);
    l.onLoss(losses::incrementAndGet);
    l.observe("op-a", T0);
    assertThatThrownBy(() -> l.check("Node", "patch"))
        .isInstanceOf(NotLeader.class)
        .extracting(e -> ((NotLeader) e).reason())
        .isEqualTo("Standby");
    l.stoppedLeading(); // shutdown of a standby
    assertThat(l.lost()).isFalse();
    assertThat(losses).hasValue(0);
  }

  @Test
  void leadingOpensOnlyOnceTheLeaseShowsTheRenewal() {
    Leadership l = Leadership.elected("op-a", DEADLINE, clock);
    l.startedLeading();
    assertThat(l.mayWrite()).isFalse();
    l.observe("op-a", T0);
    assertThat(l.mayWrite()).isTrue();
    assertThat(l.state()).isEqualTo(Leadership.State.LEADING);
  }

  @Test
  void noRenewalSeenWithinTheDeadlineClosesTheFenceWithoutAnyCallback() {
    Leadership l = leading();
    clock.advance(Duration.ofSeconds(6));
    l.observe("op-a", T0.plusSeconds(5));
    clock.advance(Duration.ofSeconds(8)); // 13s: 8s after the last renewal
    assertThat(l.mayWrite()).isTrue();
    clock.advance(Duration.ofSeconds(2)); // 15s: 10s after it
    assertThatThrownBy(() -> l.check("PmemNode", "update"))
        .isInstanceOf(NotLeader.class)
        .hasMessageContaining("RenewalOverdue");
    assertThat(l.lost()).isTrue();
    assertThat(losses).hasValue(1);
  }

  @Test
  void anotherHolderInTheLeaseClosesTheFenceAtOnce() {
    Leadership l = leading();
    l.observe("op-b", T0.plusSeconds(1));
    assertThat(l.mayWrite()).isFalse();
    assertThat(l.lostReason()).isEqualTo("LeaseTaken");
    assertThat(losses).hasValue(1);
  }

  @Test
  void theElectorsCallbackClosesItAndNothingReopensIt() {
    Leadership l = leading();
    l.stoppedLeading();
    l.startedLeading();
    l.observe("op-a", T0.plusSeconds(1));
    l.stoppedLeading();
    assertThat(l.mayWrite()).isFalse();
    assertThat(l.lostReason()).isEqualTo("LeaseLost");
    assertThat(losses).hasValue(1);
  }

  @Test
  void theWriteMeterCountsAdmittedWritesAndRefusesTheOthers() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Leadership l = leading();
    WriteMeter writes = new WriteMeter(registry, l);
    writes.record("Node", "patch");
    l.stoppedLeading();
    assertThatThrownBy(() -> writes.record("Node", "patch")).isInstanceOf(NotLeader.class);
    assertThat(writes.total()).isEqualTo(1);
    assertThat(registry.get("daxtier.api.writes.refused").counter().count()).isEqualTo(1.0);
  }
}
