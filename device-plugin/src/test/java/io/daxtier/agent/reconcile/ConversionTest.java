package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.Zone;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent on the simulated QEMU node: conversion, idempotency, crashes, revert and EBUSY. */
class ConversionTest {
  private final MutableClock clock = MutableClock.at("2026-11-25T04:00:00Z");
  private final SimulatedKernel kernel = Nodes.qemu();

  private NodeReconciler agent() {
    return new NodeReconciler(kernel, new SimulatedNdctl(kernel), clock);
  }

  private static List<String> paths(SimulatedKernel k) {
    return k.acceptedWrites().stream().map(w -> w.path() + " <- " + w.value()).toList();
  }

  @Test
  void convertsWithTheWritesAReal61KernelNeeds() {
    PassResult r = agent().reconcile(List.of(Pools.systemRam("p")), 1L);

    assertThat(r.converged()).isTrue();
    assertThat(paths(kernel))
        .containsExactly(
            "/sys/bus/dax/drivers/device_dax/unbind <- dax0.0",
            "/sys/bus/dax/drivers/kmem/new_id <- dax0.0",
            "/sys/devices/system/memory/memory33/state <- online_movable",
            "/sys/devices/system/memory/memory34/state <- online_movable",
            "/sys/devices/system/memory/memory35/state <- online_movable",
            "/sys/devices/system/memory/memory36/state <- online_movable",
            "/sys/devices/system/memory/memory37/state <- online_movable",
            "/sys/devices/system/memory/memory38/state <- online_movable",
            "/sys/devices/system/memory/memory39/state <- online_movable");
    // 7 of 8 blocks: the devdax info block pushes the start past memory32 (notes (2)).
    assertThat(r.after().numa(1).orElseThrow().memTotal()).isEqualTo(917504L * 1024);
    assertThat(r.status().devices.get(0).blocksOnline).isEqualTo(7);
    assertThat(r.status().devices.get(0).zone).isEqualTo(Zone.Movable);
    assertThat(r.status().pools.get(0).phase).isEqualTo(PoolPhase.Ready);
    assertThat(r.nodeState().pools().get(0).numaNodes().get(0).onlineBytes())
        .isEqualTo(7 * 128 * Sizes.MIB);
    assertThat(r.nodeState().pools().get(0).numaNodes().get(0).nearestCpuNode()).isZero();
  }

  @Test
  void secondRunOnAConvergedNodeMakesZeroWrites() {
    NodeReconciler a = agent();
    a.reconcile(List.of(Pools.systemRam("p")), 1L);
    kernel.clearWrites();

    PassResult again = a.reconcile(List.of(Pools.systemRam("p")), 1L);
    PassResult fresh = agent().reconcile(List.of(Pools.systemRam("p")), 1L);

    assertThat(again.plan().isEmpty()).isTrue();
    assertThat(fresh.plan().isEmpty()).isTrue();
    assertThat(kernel.writes()).isEmpty();
    assertThat(fresh.converged()).isTrue();
  }

  @Test
  void normalZoneOnlinesWithOnlineKernel() {
    agent().reconcile(List.of(Pools.with(Pools.systemRam("p"), Pools.zone(Zone.Normal))), 1L);
    assertThat(paths(kernel))
        .contains("/sys/devices/system/memory/memory33/state <- online_kernel");
  }

  @Test
  void crashBetweenUnbindAndBindIsCompletedByTheNextAgent() {
    kernel.crashAfterWrites(1);
    assertThatThrownBy(() -> agent().reconcile(List.of(Pools.systemRam("p")), 1L))
        .isInstanceOf(SimulatedKernel.SimulatedCrash.class);
    assertThat(agent().inventory().device("dax0.0").orElseThrow().mode())
        .isEqualTo(DeviceMode.UNBOUND);

    kernel.clearCrash();
    PassResult r = agent().reconcile(List.of(Pools.systemRam("p")), 1L);

    assertThat(r.converged()).isTrue();
    assertThat(r.after().device("dax0.0").orElseThrow().mode()).isEqualTo(DeviceMode.SYSTEM_RAM);
  }

  @Test
  void crashAfterNewIdButBeforeOnliningResumesWithBind() {
    // new_id done, crash: the kmem id stays registered and the device is bound; resume onlines.
    kernel.crashAfterWrites(2);
    assertThatThrownBy(() -> agent().reconcile(List.of(Pools.systemRam("p")), 1L))
        .isInstanceOf(SimulatedKernel.SimulatedCrash.class);
    kernel.clearCrash();
    kernel.clearWrites();

    PassResult r = agent().reconcile(List.of(Pools.systemRam("p")), 1L);

    assertThat(r.converged()).isTrue();
    assertThat(kernel.writes()).hasSize(7).allMatch(w -> w.value().equals("online_movable"));
  }

  @Test
  void crashHalfWayThroughOnliningOnlinesOnlyTheRest() {
    kernel.crashAfterWrites(5); // unbind, new_id, 3 blocks
    assertThatThrownBy(() -> agent().reconcile(List.of(Pools.systemRam("p")), 1L))
        .isInstanceOf(SimulatedKernel.SimulatedCrash.class);
    kernel.clearCrash();
    kernel.clearWrites();

    PassResult r = agent().reconcile(List.of(Pools.systemRam("p")), 1L);

    assertThat(r.converged()).isTrue();
    assertThat(kernel.writes())
        .extracting(SimulatedKernel.Write::path)
        .containsExactly(
            "/sys/devices/system/memory/memory36/state",
            "/sys/devices/system/memory/memory37/state",
            "/sys/devices/system/memory/memory38/state",
            "/sys/devices/system/memory/memory39/state");
    assertThat(kernel.writes()).allMatch(w -> w.errno() == null);
  }

  @Test
  void revertOfflinesEveryBlockBeforeUnbindingKmem() {
    NodeReconciler a = agent();
    a.reconcile(List.of(Pools.systemRam("p")), 1L);
    kernel.clearWrites();

    PassResult r =
        a.reconcile(List.of(Pools.releasing(Pools.systemRam("p"), ReleaseAction.Offline)), 2L);

    List<String> w = paths(kernel);
    assertThat(w).hasSize(10);
    assertThat(w.subList(0, 7)).allMatch(s -> s.endsWith("state <- offline"));
    assertThat(w.subList(7, 10))
        .containsExactly(
            "/sys/bus/dax/drivers/kmem/unbind <- dax0.0",
            "/sys/bus/dax/drivers/kmem/remove_id <- dax0.0",
            "/sys/bus/dax/drivers/device_dax/bind <- dax0.0");
    assertThat(kernel.leaked("dax0.0")).isFalse();
    assertThat(r.after().device("dax0.0").orElseThrow().mode()).isEqualTo(DeviceMode.DEVDAX);
    assertThat(r.status().pools.get(0).phase).isEqualTo(PoolPhase.Released);
    assertThat(r.after().numa(1)).isEmpty(); // node 1 goes offline again
  }

  @Test
  void offlineRefusedWithEbusyIsRolledBackReportedAndRetriedWithBackoffNeverForced() {
    NodeReconciler a = agent();
    a.reconcile(List.of(Pools.systemRam("p")), 1L);
    kernel.busyOnOffline(36);
    kernel.clearWrites();
    NodePool release = Pools.releasing(Pools.systemRam("p"), ReleaseAction.Offline);

    PassResult r = a.reconcile(List.of(release), 2L);

    assertThat(r.devices().get(0).phase()).isEqualTo(DevicePhase.Releasing);
    assertThat(r.devices().get(0).reason()).isEqualTo("OfflineBusy");
    assertThat(kernel.writes()).anyMatch(w -> w.errno() == Errno.EBUSY);
    assertThat(kernel.writes()).noneMatch(w -> w.path().contains("kmem/unbind"));
    assertThat(r.after().blocksOf(r.after().device("dax0.0").orElseThrow()))
        .allMatch(b -> b.online());

    kernel.clearWrites();
    PassResult waiting = a.reconcile(List.of(release), 2L);
    assertThat(waiting.devices().get(0).reason()).isEqualTo("OfflineBusy");
    assertThat(kernel.writes()).isEmpty();

    kernel.clearBusy();
    clock.advance(Duration.ofMinutes(1));
    PassResult done = a.reconcile(List.of(release), 2L);
    assertThat(done.devices().get(0).phase()).isEqualTo(DevicePhase.Released);
    assertThat(kernel.leaked("dax0.0")).isFalse();
  }

  @Test
  void unbindingKmemWithOnlineBlocksLeaksTheRangeInTheSimulatorAsOnTheRealKernel() {
    agent().reconcile(List.of(Pools.systemRam("p")), 1L);
    kernel.write("/sys/bus/dax/drivers/kmem/unbind", "dax0.0");
    assertThat(kernel.leaked("dax0.0")).isTrue();
    assertThatThrownBy(() -> kernel.write("/sys/bus/dax/drivers/device_dax/bind", "dax0.0"))
        .hasMessageContaining("EBUSY");
  }

  @Test
  void missingKmemBlocksWithoutWriting() {
    kernel.removeKmem();
    PassResult r = agent().reconcile(List.of(Pools.systemRam("p")), 1L);
    assertThat(r.devices().get(0).reason()).isEqualTo("KmemMissing");
    assertThat(r.status().pools.get(0).phase).isEqualTo(PoolPhase.Blocked);
    assertThat(kernel.writes()).isEmpty();
  }

  @Test
  void unselectedDevicesAreNeverTouched() {
    PassResult r =
        agent().reconcile(List.of(Pools.with(Pools.systemRam("p"), Pools.devices("dax7.0"))), 1L);
    assertThat(kernel.writes()).isEmpty();
    assertThat(r.devices().get(0).phase()).isEqualTo(DevicePhase.Discovered);
    assertThat(r.status().pools.get(0).phase).isEqualTo(PoolPhase.Pending);
  }

  @Test
  void aDeviceAlreadyInSystemRamIsAdoptedNotRedone() {
    SimulatedKernel cxl = Nodes.cxl();
    NodePool pool = Pools.with(Pools.systemRam("cxl"), Pools.memoryType(MemoryType.CXL));
    PassResult r =
        new NodeReconciler(cxl, new SimulatedNdctl(cxl), clock).reconcile(List.of(pool), 1L);
    assertThat(cxl.writes()).isEmpty();
    assertThat(r.devices())
        .filteredOn(d -> "cxl".equals(d.pool()))
        .singleElement()
        .satisfies(d -> assertThat(d.phase()).isEqualTo(DevicePhase.Online));
    assertThat(r.nodeState().pools().get(0).numaNodes().get(0).onlineBytes())
        .isEqualTo(8 * Sizes.GIB);
    assertThat(r.status().devices)
        .filteredOn(d -> d.name.equals("dax9.0"))
        .singleElement()
        .satisfies(d -> assertThat(d.memoryType).isEqualTo(MemoryType.HMEM));
  }

  @Test
  void devDaxPoolAdvertisesTheCharacterDevice() {
    PassResult r = agent().reconcile(List.of(Pools.devDax("dd")), 1L);
    assertThat(kernel.writes()).isEmpty();
    assertThat(r.nodeState().pools().get(0).ready()).isTrue();
    assertThat(r.nodeState().pools().get(0).numaNodes().get(0).devDaxPaths())
        .containsExactly("/dev/dax0.0");
  }

  @Test
  void demotionIsEnabledOnceWhenThePoolAsks() {
    NodeReconciler a = agent();
    a.reconcile(List.of(Pools.with(Pools.systemRam("p"), Pools.demotion())), 1L);
    assertThat(paths(kernel)).contains("/sys/kernel/mm/numa/demotion_enabled <- true");
    kernel.clearWrites();
    a.reconcile(List.of(Pools.with(Pools.systemRam("p"), Pools.demotion())), 1L);
    assertThat(kernel.writes()).isEmpty();
  }

  @Test
  void autoOnlineIntoTheWrongZoneBlocks() {
    kernel.setAutoOnline("online");
    PassResult r = agent().reconcile(List.of(Pools.systemRam("p")), 1L);
    assertThat(r.devices().get(0).reason()).isEqualTo("AutoOnlineConflict");
    assertThat(kernel.writes()).isEmpty();
  }

  @Test
  void autoOnlineMovableIsHonouredWhenThePoolAsksMovable() {
    kernel.setAutoOnline("online_movable");
    PassResult r = agent().reconcile(List.of(Pools.systemRam("p")), 1L);
    assertThat(r.converged()).isTrue();
    assertThat(paths(kernel)).hasSize(2); // unbind + new_id: the kernel onlined the blocks itself
  }
}
