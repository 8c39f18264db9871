package io.daxtier.agent.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.ScrubMode;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** While an ARS the pass did not wait for runs, the loop looks again soon, not at its interval. */
class RecheckTest {

  @Test
  void aRunningScrubBringsTheNextPassForwardAndTheDeviceOnlineWithoutTheInterval() {
    SimulatedKernel k = Nodes.secureServer();
    k.holdScrub(true);
    AtomicInteger passes = new AtomicInteger();
    AgentLoop loop =
        new AgentLoop(
            new NodeReconciler(k, new SimulatedNdctl(k), Clock.systemUTC()),
            () -> {
              passes.incrementAndGet();
              return Optional.of(
                  new DesiredState(
                      List.of(Pools.with(Pools.systemRam("p"), Pools.scrub(ScrubMode.Required))),
                      1L));
            },
            status -> {},
            state -> {},
            new AgentMetrics(),
            Clock.systemUTC());
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try {
      loop.start(executor, Duration.ofHours(1)); // the interval never comes round in this test
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> loop.lastResult().map(r -> r.recheckAfter().isPresent()).orElse(false));
      int before = passes.get();
      k.holdScrub(false);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  loop.lastResult()
                      .map(
                          r ->
                              !r.devices().isEmpty()
                                  && r.devices().stream()
                                      .allMatch(d -> d.phase() == DevicePhase.Online))
                      .orElse(false));
      assertThat(passes.get()).as("rechecks ran, not the hourly pass").isGreaterThan(before);
    } finally {
      executor.shutdownNow();
      loop.close();
    }
  }
}
