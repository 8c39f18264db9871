package io.daxtier.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.poison.BadBlocksWatch;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Liveness needs both threads: the pass thread and the poison watch's own thread. */
class LivenessTest {
  private final MutableClock clock = MutableClock.at("2026-12-05T10:00:00Z");

  @Test
  void aStuckPoisonWatchMakesTheAgentNotLiveEvenWhilePassesGoOn() {
    SimulatedKernel k = Nodes.qemu();
    AgentLoop loop =
        new AgentLoop(
            new NodeReconciler(k, new SimulatedNdctl(k), clock),
            () -> Optional.of(new DesiredState(List.of(Pools.systemRam("p")), 1L)),
            status -> {},
            state -> {},
            new AgentMetrics(),
            clock);
    BadBlocksWatch watch = new BadBlocksWatch(k, () -> {}, clock).prime();
    Duration interval = Duration.ofMinutes(10);
    try {
      // a tick far away: the test ticks it by hand
      loop.watchPoison(watch, Duration.ofHours(1));
      assertThat(loop.live(interval, clock.instant())).isTrue(); // nothing ticked yet

      watch.run();
      loop.runOnce();
      assertThat(loop.live(interval, clock.instant())).isTrue();

      // passes go on, the watch does not tick: stale once three ticks (at least 30 s) passed
      clock.advance(Duration.ofMinutes(1));
      loop.runOnce();
      assertThat(watch.live(Duration.ofSeconds(1), clock.instant())).isFalse();
      assertThat(watch.live(Duration.ofMinutes(1), clock.instant())).isTrue();

      clock.advance(Duration.ofHours(3));
      loop.runOnce();
      assertThat(loop.live(interval, clock.instant())).isFalse();

      watch.run();
      assertThat(loop.live(interval, clock.instant())).isTrue();
    } finally {
      loop.close();
    }
  }
}
