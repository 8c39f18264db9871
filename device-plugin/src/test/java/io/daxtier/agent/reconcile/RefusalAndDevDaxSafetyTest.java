package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.poison.BadBlocksWatch;
import io.daxtier.agent.state.NumaCapacity;
import io.daxtier.agent.state.PoolCapacity;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.EncryptionPolicy;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ScrubMode;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Kernel refusals leave no device without a driver; DevDax pools pass the same scrub gate as
 * onlining and get poison marked per device; new bad blocks wake the agent; erase disables the
 * regions on the DIMMs around the overwrite.
 */
class RefusalAndDevDaxSafetyTest {
  private final MutableClock clock = MutableClock.at("2026-11-25T04:00:00Z");

  private static String driver(SimulatedKernel k, String device) {
    return k.readlink(KernelPaths.dax(device) + "/driver")
        .map(p -> p.substring(p.lastIndexOf('/') + 1))
        .orElse("none");
  }

  private static DeviceResult device(PassResult r, String name) {
    return r.devices().stream().filter(d -> d.device().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void refusedKmemBindPutsTheDeviceBackOnDeviceDaxWithTheKernelsAnswer() {
    SimulatedKernel k = Nodes.qemu();
    k.refuseKmem("dax0.0");
    NodePool pool = Pools.with(Pools.systemRam("p"), Pools.devices("dax0.0"));

    PassResult r = new NodeReconciler(k, new SimulatedNdctl(k), clock).reconcile(List.of(pool), 1L);

    DeviceResult d = device(r, "dax0.0");
    assertThat(d.phase()).isEqualTo(DevicePhase.Failed);
    assertThat(d.reason()).isEqualTo("KmemRefused");
    assertThat(d.message()).contains("kmem/bind: EINVAL").contains("put back on device_dax");
    assertThat(driver(k, "dax0.0")).isEqualTo(KernelPaths.DEVICE_DAX);
    assertThat(k.acceptedWrites())
        .extracting(SimulatedKernel.Write::path)
        .contains(KernelPaths.driver(KernelPaths.KMEM, "remove_id"));
    assertThat(r.after().blocksOf(r.after().device("dax0.0").orElseThrow())).isEmpty();
  }

  @Test
  void aBlockedDeviceLeftWithoutADriverGoesBackToDeviceDax() {
    SimulatedKernel k = Nodes.qemu();
    k.write(
        KernelPaths.driver(KernelPaths.DEVICE_DAX, "unbind"), "dax0.0"); // e.g. daxctl's leftover
    NodePool pool =
        Pools.with(
            Pools.with(Pools.systemRam("p"), Pools.devices("dax0.0")),
            Pools.encryption(EncryptionPolicy.Required));

    PassResult r = new NodeReconciler(k, new SimulatedNdctl(k), clock).reconcile(List.of(pool), 1L);

    assertThat(device(r, "dax0.0").phase()).isEqualTo(DevicePhase.Blocked);
    assertThat(device(r, "dax0.0").reason()).isEqualTo("EncryptionRequired");
    assertThat(driver(k, "dax0.0")).isEqualTo(KernelPaths.DEVICE_DAX);
  }

  @Test
  void aDeviceWithoutATargetNodeIsBlockedWithoutAWrite() {
    SimulatedKernel k =
        Nodes.yaml(
            """
            kernel: 6.1.0-56-amd64
            blockSize: 128Mi
            numaNodes: [{id: 0, cpus: 0-1, memTotal: 2Gi, memFree: 1Gi}]
            buses: [{name: ndbus0, ars: true}]
            dimms: [{name: nmem0, security: disabled}]
            regions:
              - {name: region0, type: pmem, start: "0x1000000000", size: 1Gi, targetNode: -1,
                 dimms: [nmem0]}
            daxDevices: [{name: dax0.0, region: region0, mode: devdax}]
            """);

    PassResult r =
        new NodeReconciler(k, new SimulatedNdctl(k), clock)
            .reconcile(List.of(Pools.systemRam("p")), 1L);

    assertThat(device(r, "dax0.0").reason()).isEqualTo("NoTargetNode");
    assertThat(device(r, "dax0.0").message()).contains("kmem driver rejects");
    assertThat(k.writes()).isEmpty();
  }

  @Test
  void devDaxPoolScrubsAndClearsBeforeAdvertisingAndBlocksWhatCannotBeCleared() {
    SimulatedKernel k = Nodes.secureServer(); // ARS bus
    k.addBadBlock("region0", 0x80000, 8);
    SimulatedNdctl ndctl = new SimulatedNdctl(k);
    NodePool pool =
        Pools.with(
            Pools.with(Pools.devDax("dd"), Pools.devices("dax0.0")),
            Pools.scrub(ScrubMode.Required));

    PassResult r = new NodeReconciler(k, ndctl, clock).reconcile(List.of(pool), 1L);

    assertThat(ndctl.calls())
        .startsWith("start-scrub ndbus0", "wait-scrub ndbus0", "clear-errors dax0.0");
    assertThat(device(r, "dax0.0").phase()).isEqualTo(DevicePhase.Online);
    assertThat(devDaxPaths(r)).containsExactly("/dev/dax0.0");

    SimulatedKernel stuck = Nodes.secureServer();
    stuck.addBadBlock("region0", 0x80000, 8); // 256 MiB into the region: inside dax0.0
    stuck.clearErrorsFails(true);
    NodeReconciler b = new NodeReconciler(stuck, new SimulatedNdctl(stuck), clock);
    PassResult blocked = b.reconcile(List.of(pool), 1L);
    assertThat(device(blocked, "dax0.0").phase()).isEqualTo(DevicePhase.Blocked);
    assertThat(device(blocked, "dax0.0").reason()).isEqualTo("BadBlocks");
    assertThat(devDaxPaths(blocked)).isEmpty();
    // the next pass (scrub fresh) neither clears again nor advertises it
    PassResult again = b.reconcile(List.of(pool), 1L);
    assertThat(device(again, "dax0.0").reason()).isEqualTo("BadBlocks");
    assertThat(devDaxPaths(again)).isEmpty();
  }

  @Test
  void poisonInAnAdvertisedDevDaxDeviceMarksJustThatDeviceUnhealthy() {
    SimulatedKernel k = Nodes.secureServer();
    NodePool pool =
        Pools.with(
            Pools.with(Pools.devDax("dd"), s -> s.policy.scrub.maxBadBlocks = 4),
            Pools.poison(PoisonAction.RetirePages));
    NodeReconciler a = new NodeReconciler(k, new SimulatedNdctl(k), clock);
    a.reconcile(List.of(pool), 1L);

    k.addBadBlock("region1", 0x80000, 1);
    PassResult r = a.reconcile(List.of(pool), 1L);

    assertThat(r.poison())
        .singleElement()
        .satisfies(e -> assertThat(e.device()).isEqualTo("dax1.0"));
    assertThat(r.poison().get(0).action()).isEqualTo(PoisonAction.MarkUnhealthy);
    List<NumaCapacity> numa = capacity(r).numaNodes();
    assertThat(numa)
        .filteredOn(n -> n.devDaxPaths().contains("/dev/dax1.0"))
        .singleElement()
        .satisfies(n -> assertThat(n.unhealthy()).isNotEmpty());
    assertThat(numa)
        .filteredOn(n -> n.devDaxPaths().contains("/dev/dax0.0"))
        .singleElement()
        .satisfies(n -> assertThat(n.unhealthy()).isEmpty());
  }

  @Test
  void newBadBlocksWakeTheAgentOnceWithoutWaitingForThePass() {
    SimulatedKernel k = Nodes.secureServer();
    AtomicInteger passes = new AtomicInteger();
    BadBlocksWatch watch = new BadBlocksWatch(k, passes::incrementAndGet);

    watch.run(); // records the lists: the pass at start reads them anyway
    watch.run();
    assertThat(passes).hasValue(0);

    k.addBadBlock("region1", 0x2000, 8);
    watch.run();
    watch.run();
    assertThat(passes).hasValue(1);

    // primed before a long first pass: a change during that pass still counts
    AtomicInteger more = new AtomicInteger();
    BadBlocksWatch primed = new BadBlocksWatch(k, more::incrementAndGet).prime();
    k.addBadBlock("region0", 0x90000, 8);
    primed.run();
    assertThat(more).hasValue(1);
  }

  @Test
  void eraseDisablesTheRegionsOnTheDimmsAroundTheOverwriteAndEnablesThemAgain() {
    SimulatedKernel k = Nodes.secureServer();
    SimulatedNdctl ndctl = new SimulatedNdctl(k);
    NodeReconciler a = new NodeReconciler(k, ndctl, clock);
    NodePool pool = Pools.with(Pools.systemRam("p"), Pools.devices("dax1.0"));
    a.reconcile(List.of(pool), 1L);

    a.reconcile(List.of(Pools.releasing(pool, ReleaseAction.Erase)), 2L);

    assertThat(ndctl.calls())
        .containsSubsequence(
            "disable-region region1",
            "sanitize-dimm --overwrite nmem2",
            "sanitize-dimm --overwrite nmem3",
            "enable-region region1")
        .doesNotContain("disable-region region0");
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);
    assertThat(k.dimmOverwrites("nmem0")).isZero();
  }

  private static PoolCapacity capacity(PassResult r) {
    return r.nodeState().pools().get(0);
  }

  private static List<String> devDaxPaths(PassResult r) {
    return capacity(r).numaNodes().stream().flatMap(n -> n.devDaxPaths().stream()).toList();
  }
}
