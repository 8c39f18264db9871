package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.kernel.DeadlineKernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.poison.BadBlocksWatch;
import io.daxtier.agent.run.AgentLoop;
import io.daxtier.agent.run.DesiredState;
import io.daxtier.agent.testing.BlockingKernel;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.ReleaseAction;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A Movable block's offline that blocks in the kernel (page migration) holds neither the pass past
 * the write deadline, nor the other devices, nor the poison watch; the next passes read the block's
 * state instead of writing it again while the first write is in the kernel.
 */
class HungWriteTest {
  private static final Duration DEADLINE = Duration.ofSeconds(2);

  /** Two 1 GiB NVDIMM regions, one devdax device each, on CPU-less nodes 1 and 2; no ARS. */
  private static final String NODE =
      """
      kernel: 6.1.0-56-amd64
      blockSize: 128Mi
      autoOnlineBlocks: offline
      demotionEnabled: false
      cpu:
        vendor: GenuineIntel
        family: 6
        model: 85
        flags: [fpu, mce, erms, fsrm, hypervisor]
        cpus: 2
      numaNodes:
        - {id: 0, cpus: 0-1, memTotal: 2Gi, memFree: 1536Mi, distances: [10, 20, 20]}
        - {id: 1, cpus: "", distances: [20, 10, 20]}
        - {id: 2, cpus: "", distances: [20, 20, 10]}
      buses:
        - {name: ndbus0, ars: false}
      dimms:
        - {name: nmem0}
        - {name: nmem1}
      regions:
        - {name: region0, bus: ndbus0, type: pmem, start: "0x100000000", size: 1Gi, targetNode: 1,
           numaNode: 0, dimms: [nmem0]}
        - {name: region1, bus: ndbus0, type: pmem, start: "0x140000000", size: 1Gi, targetNode: 2,
           numaNode: 0, dimms: [nmem1]}
      daxDevices:
        - {name: dax0.0, region: region0, start: "0x101200000", size: "1054867456", mode: devdax}
        - {name: dax1.0, region: region1, start: "0x141200000", size: "1054867456", mode: devdax}
      """;

  private final MutableClock clock = MutableClock.at("2026-12-05T10:00:00Z");

  private static DeviceResult device(PassResult r, String name) {
    return r.devices().stream().filter(d -> d.device().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aHungOfflineHoldsOnlyItsDeviceAndOnlyUntilTheDeadline() throws Exception {
    SimulatedKernel sim = Nodes.yaml(NODE);
    BlockingKernel blocking = new BlockingKernel(sim);
    DeadlineKernel kernel = new DeadlineKernel(blocking, DEADLINE);
    NodeReconciler reconciler = new NodeReconciler(kernel, new SimulatedNdctl(sim), clock);
    NodePool a = Pools.with(Pools.systemRam("a"), Pools.devices("dax0.0"));
    AtomicReference<List<NodePool>> desired = new AtomicReference<>(List.of(a));
    AgentLoop loop =
        new AgentLoop(
            reconciler,
            () -> Optional.of(new DesiredState(desired.get(), 1L)),
            status -> {},
            state -> {},
            new AgentMetrics(),
            clock);
    try {
      PassResult first = loop.runOnce().orElseThrow();
      assertThat(device(first, "dax0.0").phase()).isEqualTo(DevicePhase.Online);
      long hung =
          first.after().blocksOf(first.after().device("dax0.0").orElseThrow()).get(0).index();
      String hungState = KernelPaths.block(hung) + "/state";
      blocking.block(hungState, "offline");

      // the poison watch on its own thread, ticking fast
      CountDownLatch poisonSeen = new CountDownLatch(1);
      AtomicLong seenAt = new AtomicLong();
      BadBlocksWatch watch =
          new BadBlocksWatch(
                  kernel,
                  () -> {
                    seenAt.compareAndSet(0, System.nanoTime());
                    poisonSeen.countDown();
                  },
                  clock)
              .prime();
      loop.watchPoison(watch, Duration.ofMillis(20));

      // release a's device (its first block's offline hangs) and convert dax1.0 in the same pass
      desired.set(
          List.of(
              Pools.releasing(
                  Pools.with(Pools.systemRam("a"), Pools.devices("dax0.0")), ReleaseAction.Offline),
              Pools.with(Pools.systemRam("b"), Pools.devices("dax1.0"))));
      long t0 = System.nanoTime();
      CompletableFuture<Optional<PassResult>> pass = CompletableFuture.supplyAsync(loop::runOnce);

      assertThat(blocking.entered().await(10, TimeUnit.SECONDS)).isTrue();
      // new poison (in region0's label area, outside both devices) while the pass is held
      sim.addBadBlock("region0", 8, 8);
      assertThat(poisonSeen.await(10, TimeUnit.SECONDS)).isTrue();

      PassResult held = pass.get(DEADLINE.toSeconds() + 10, TimeUnit.SECONDS).orElseThrow();
      long passEnded = System.nanoTime();
      Duration took = Duration.ofNanos(passEnded - t0);
      assertThat(took).isGreaterThanOrEqualTo(DEADLINE).isLessThan(DEADLINE.plusSeconds(3));
      assertThat(seenAt.get()).isLessThan(passEnded); // seen while the pass was held

      DeviceResult d0 = device(held, "dax0.0");
      assertThat(d0.phase()).isEqualTo(DevicePhase.Releasing);
      assertThat(d0.reason()).isEqualTo("WriteInProgress");
      assertThat(d0.message()).contains(hungState);
      assertThat(device(held, "dax1.0").phase()).isEqualTo(DevicePhase.Online);
      // both threads alive: the pass finished, the watch ticked
      assertThat(loop.live(Duration.ofSeconds(30), clock.instant())).isTrue();
      assertThat(kernel.pending()).containsExactly(hungState);

      // while the write is in the kernel, a pass does not wait for it again nor write it again
      clock.advance(Duration.ofMinutes(1));
      long t1 = System.nanoTime();
      PassResult waiting = loop.runOnce().orElseThrow();
      assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(DEADLINE);
      assertThat(device(waiting, "dax0.0").phase()).isEqualTo(DevicePhase.Releasing);
      assertThat(device(waiting, "dax0.0").reason()).isEqualTo("WriteInProgress");
      assertThat(blocking.issued()).containsOnlyOnce(hungState + " <- offline");

      // the kernel finishes the migration: the next pass finds the block offline
      blocking.release();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!kernel.pending().isEmpty() && System.nanoTime() < end) {
        Thread.sleep(10);
      }
      assertThat(kernel.pending()).isEmpty();
      assertThat(sim.readTrimmed(hungState)).contains("offline");
      clock.advance(Duration.ofMinutes(1));
      PassResult done = loop.runOnce().orElseThrow();
      assertThat(device(done, "dax0.0").phase()).isEqualTo(DevicePhase.Released);
      assertThat(device(done, "dax1.0").phase()).isEqualTo(DevicePhase.Online);
      assertThat(blocking.issued()).containsOnlyOnce(hungState + " <- offline");
      assertThat(sim.leaked("dax0.0")).isFalse();
      assertThat(sim.driverOf("dax0.0")).isEqualTo(KernelPaths.DEVICE_DAX);
    } finally {
      blocking.release();
      loop.close();
      kernel.close();
    }
  }
}
