package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.ReleaseAction;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A retired page outlives the hot-removal of its block, as on 6.1, without breaking later passes.
 */
class PoisonAfterReleaseTest {
  @Test
  void passesKeepWorkingAfterAPoisonedDeviceIsReleased() {
    SimulatedKernel kernel = Nodes.qemu();
    NodeReconciler agent =
        new NodeReconciler(
            kernel, new SimulatedNdctl(kernel), MutableClock.at("2026-11-25T04:00:00Z"));
    agent.reconcile(List.of(Pools.systemRam("p")), 1L);
    kernel.write(KernelPaths.HARD_OFFLINE_PAGE, "0x108200000");

    agent.reconcile(List.of(Pools.releasing(Pools.systemRam("p"), ReleaseAction.Offline)), 2L);
    agent.reconcile(List.of(), 3L);

    assertThat(kernel.read(KernelPaths.MEMINFO).orElseThrow())
        .containsPattern("HardwareCorrupted:\\s+4 kB");
    assertThat(agent.inventory().numaNodes()).isNotEmpty();
  }
}
