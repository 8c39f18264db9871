package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.EncryptionPolicy;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.RecoverabilityPolicy;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ScrubMode;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Policy outcomes and failure switches on the simulated kernel, end to end through a pass. */
class SafetyTest {
  private final MutableClock clock = MutableClock.at("2026-11-25T04:00:00Z");

  private static NodeReconciler agent(SimulatedKernel k, MutableClock c) {
    return new NodeReconciler(k, new SimulatedNdctl(k), c);
  }

  static Stream<Arguments> blocks() {
    return Stream.of(
        Arguments.of(
            "locked DIMM",
            (Consumer<SimulatedKernel>) k -> k.setDimmSecurity("nmem0", "locked", false),
            Pools.systemRam("p"),
            "DimmLocked"),
        Arguments.of(
            "overwrite in progress",
            (Consumer<SimulatedKernel>) k -> k.setDimmSecurity("nmem0", "overwrite", false),
            Pools.systemRam("p"),
            "DimmOverwriteInProgress"),
        Arguments.of(
            "encryption required, DIMM without security",
            (Consumer<SimulatedKernel>) k -> {},
            Pools.with(Pools.systemRam("p"), Pools.encryption(EncryptionPolicy.Required)),
            "EncryptionRequired"),
        Arguments.of(
            "encryption required, disabled and frozen",
            (Consumer<SimulatedKernel>) k -> k.setDimmSecurity("nmem0", "disabled", true),
            Pools.with(Pools.systemRam("p"), Pools.encryption(EncryptionPolicy.Required)),
            "EncryptionRequired"),
        Arguments.of(
            "recoverability required, MSR unreadable",
            (Consumer<SimulatedKernel>) k -> {},
            Pools.with(Pools.systemRam("p"), Pools.recoverability(RecoverabilityPolicy.Required)),
            "RecoverabilityRequired"),
        Arguments.of(
            "scrub required, QEMU has no ARS",
            (Consumer<SimulatedKernel>) k -> {},
            Pools.with(Pools.systemRam("p"), Pools.scrub(ScrubMode.Required)),
            "ScrubUnsupported"),
        Arguments.of(
            "bad blocks, clearing off",
            (Consumer<SimulatedKernel>) k -> k.addBadBlock("region0", 0x80000, 8),
            Pools.with(Pools.systemRam("p"), s -> s.policy.scrub.clearErrors = false),
            "BadBlocks"),
        Arguments.of(
            "bad blocks clearing fails",
            (Consumer<SimulatedKernel>)
                k -> {
                  k.addBadBlock("region0", 0x80000, 8);
                  k.clearErrorsFails(true);
                },
            Pools.systemRam("p"),
            "BadBlocks"),
        Arguments.of(
            "class model", (Consumer<SimulatedKernel>) k -> {}, null, "ClassModelUnsupported"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("blocks")
  void blockedDevicesGetNoDriverOrStateWrites(
      String name, Consumer<SimulatedKernel> breakIt, NodePool pool, String reason) {
    SimulatedKernel k = pool == null ? Nodes.yaml(classModelNode()) : Nodes.qemu();
    breakIt.accept(k);
    PassResult r =
        agent(k, clock).reconcile(List.of(pool == null ? Pools.systemRam("p") : pool), 1L);

    if (pool != null) {
      assertThat(r.devices().get(0).phase()).isEqualTo(DevicePhase.Blocked);
      assertThat(r.devices().get(0).reason()).isEqualTo(reason);
      assertThat(r.status().pools.get(0).phase).isEqualTo(PoolPhase.Blocked);
    } else {
      assertThat(r.after().platform().busModel().name()).isEqualTo("Class");
      assertThat(r.after().classModelDevices()).containsExactly("dax0.0");
    }
    assertThat(k.writes())
        .noneMatch(w -> w.path().startsWith("/sys/bus/dax") || w.path().endsWith("/state"));
    assertThat(r.status().conditions)
        .filteredOn(c -> c.getType().equals("Ready"))
        .singleElement()
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo("False"));
  }

  static String classModelNode() {
    return """
        classModel: true
        numaNodes: [{id: 0, cpus: "0", memTotal: 1Gi}]
        regions: [{name: region0, start: "0x100000000", size: 1Gi, targetNode: 1}]
        daxDevices: [{name: dax0.0, region: region0}]
        """;
  }

  @Test
  void preferredPoliciesWarnButConvert() {
    SimulatedKernel k = Nodes.qemu();
    PassResult r = agent(k, clock).reconcile(List.of(Pools.systemRam("p")), 1L);
    assertThat(r.converged()).isTrue();
    assertThat(r.devices().get(0).message())
        .contains("Encryption: nmem0 unsupported")
        .contains("Recoverability: machine-check recovery Unknown")
        .contains("ScrubUnsupported");
  }

  @Test
  void encryptionRequiredPassesWithEveryDimmUnlockedAndRecoverabilityFromMcgCap() {
    SimulatedKernel k = Nodes.secureServer();
    NodePool p = Pools.with(Pools.systemRam("p"), Pools.encryption(EncryptionPolicy.Required));
    Pools.with(p, Pools.recoverability(RecoverabilityPolicy.Required));
    PassResult r = agent(k, clock).reconcile(List.of(p), 1L);
    assertThat(r.converged()).isTrue();
    assertThat(r.after().platform().mcRecovery().capability().name()).isEqualTo("Supported");
  }

  @Test
  void scrubsAndClearsKnownPoisonBeforeOnliningThenReusesTheScrubWithinMaxAge() {
    SimulatedKernel k = Nodes.secureServer();
    SimulatedNdctl ndctl = new SimulatedNdctl(k);
    NodeReconciler a = new NodeReconciler(k, ndctl, clock);
    PassResult r =
        a.reconcile(List.of(Pools.with(Pools.systemRam("p"), Pools.scrub(ScrubMode.Required))), 1L);

    assertThat(r.converged()).isTrue();
    assertThat(ndctl.calls())
        .startsWith("start-scrub ndbus0", "wait-scrub ndbus0", "clear-errors dax0.0");
    assertThat(r.after().region("region0").orElseThrow().badBlocks()).isEmpty();
    assertThat(a.history().lastScrub()).containsKey("ndbus0");
  }

  @Test
  void arsInProgressWaitsThenConverts() {
    SimulatedKernel k = Nodes.secureServer();
    k.holdScrub(true);
    NodeReconciler a = agent(k, clock);
    NodePool p = Pools.with(Pools.systemRam("p"), Pools.scrub(ScrubMode.Required));

    PassResult r = a.reconcile(List.of(p), 1L);
    assertThat(r.devices()).allSatisfy(d -> assertThat(d.phase()).isEqualTo(DevicePhase.Scrubbing));
    assertThat(k.writes()).isEmpty();

    k.clearWrites();
    PassResult during = a.reconcile(List.of(p), 1L); // backing off: nothing written
    assertThat(during.devices().get(0).phase()).isEqualTo(DevicePhase.Scrubbing);
    assertThat(k.writes()).isEmpty();

    k.holdScrub(false);
    clock.advance(Duration.ofMinutes(1));
    assertThat(a.reconcile(List.of(p), 1L).converged()).isTrue();
  }

  @Test
  void conflictGivesTheDeviceToTheFirstPool() {
    SimulatedKernel k = Nodes.qemu();
    PassResult r =
        agent(k, clock).reconcile(List.of(Pools.systemRam("first"), Pools.systemRam("second")), 1L);
    assertThat(r.devices())
        .extracting(DeviceResult::pool, DeviceResult::phase)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("first", DevicePhase.Online),
            org.assertj.core.groups.Tuple.tuple("second", DevicePhase.Conflict));
    assertThat(r.status().pools.get(1).reason).isEqualTo("Conflict");
  }

  @Test
  void devDaxPoolOnASystemRamDeviceBlocks() {
    SimulatedKernel k = Nodes.cxl();
    PassResult r =
        agent(k, clock)
            .reconcile(List.of(Pools.with(Pools.devDax("dd"), Pools.devices("dax0.0"))), 1L);
    // online as System RAM with no pool known to hold it: the device keeps that use, and a DevDax
    // pool that selects it loses it (Conflict) instead of offlining it
    assertThat(r.devices().get(0).phase()).isEqualTo(DevicePhase.Conflict);
    assertThat(r.devices().get(0).message())
        .isEqualTo("in use as system-ram by no known pool: a DevDax pool does not convert it");
    assertThat(k.writes()).isEmpty();
  }

  @Test
  void poisonArrivingWhileOnlineRetiresTheExactPageOnce() {
    SimulatedKernel k = Nodes.qemu();
    NodeReconciler a = agent(k, clock);
    a.reconcile(List.of(Pools.systemRam("p")), 1L);
    k.clearWrites();
    // sector 0x10000 of region0 (start 0x100000000) = 0x102000000, inside memory32? no: memory32 is
    // lost to alignment; use 0x80000 sectors = 0x110000000, in memory34.
    k.addBadBlock("region0", 0x80000, 8);

    PassResult r = a.reconcile(List.of(Pools.systemRam("p")), 1L);

    assertThat(k.acceptedWrites())
        .extracting(w -> w.path() + " <- " + w.value())
        .containsExactly("/sys/devices/system/memory/hard_offline_page <- 0x110000000");
    assertThat(r.poison())
        .singleElement()
        .satisfies(e -> assertThat(e.action()).isEqualTo(PoisonAction.RetirePages));
    assertThat(r.after().platform().hardwareCorruptedBytes()).isEqualTo(4096);
    assertThat(r.status().devices.get(0).retiredPages).isEqualTo(1L);

    k.clearWrites();
    a.reconcile(List.of(Pools.systemRam("p")), 1L);
    assertThat(k.writes()).isEmpty();
  }

  @Test
  void poisonWithMarkUnhealthyReducesHealthyCapacity() {
    SimulatedKernel k = Nodes.qemu();
    NodeReconciler a = agent(k, clock);
    NodePool p = Pools.with(Pools.systemRam("p"), Pools.poison(PoisonAction.MarkUnhealthy));
    a.reconcile(List.of(p), 1L);
    k.clearWrites();
    k.addBadBlock("region0", 0x80000, 16);

    PassResult r = a.reconcile(List.of(p), 1L);

    assertThat(k.writes()).isEmpty();
    var numa = r.nodeState().pools().get(0).numaNodes().get(0);
    assertThat(numa.unhealthy())
        .singleElement()
        .satisfies(u -> assertThat(u.size()).isEqualTo(8192));
    assertThat(numa.healthyBytes()).isEqualTo(7 * 128 * Sizes.MIB - 8192);
    assertThat(r.status().pools.get(0).phase).isEqualTo(PoolPhase.Degraded);
    assertThat(r.status().resources.get(0).healthy).isEqualTo(6);
  }

  @Test
  void poisonedBlockIsRefusedOnlineWithEhwpoisonAndReported() {
    SimulatedKernel k = Nodes.qemu();
    NodeReconciler a = agent(k, clock);
    a.reconcile(List.of(Pools.systemRam("p")), 1L);
    k.write("/sys/devices/system/memory/hard_offline_page", "0x110000000");
    k.write("/sys/devices/system/memory/memory34/state", "offline");

    PassResult r = a.reconcile(List.of(Pools.systemRam("p")), 1L);

    assertThat(r.devices().get(0).phase()).isEqualTo(DevicePhase.Failed);
    assertThat(r.devices().get(0).reason()).isEqualTo("HwPoisonedBlocks");
  }

  @Test
  void eraseOnReleaseOnlyAfterTheDeviceIsBackInDevdaxAndNeverTwice() {
    SimulatedKernel k = Nodes.secureServer();
    NodeReconciler a = agent(k, clock);
    a.reconcile(List.of(Pools.systemRam("p")), 1L);
    NodePool release = Pools.releasing(Pools.systemRam("p"), ReleaseAction.Erase);

    PassResult r = a.reconcile(List.of(release), 2L);

    assertThat(r.devices()).allSatisfy(d -> assertThat(d.phase()).isEqualTo(DevicePhase.Released));
    assertThat(k.dimmOverwrites("nmem0")).isEqualTo(1);
    a.reconcile(List.of(release), 2L);
    assertThat(k.dimmOverwrites("nmem0")).isEqualTo(1);
  }

  @Test
  void eraseWithoutConfirmEraseIsBlockedEvenWhenNothingValidatedThePool() {
    SimulatedKernel k = Nodes.secureServer();
    NodeReconciler a = agent(k, clock);
    a.reconcile(List.of(Pools.systemRam("p")), 1L);
    NodePool release = Pools.releasing(Pools.systemRam("p"), ReleaseAction.Erase);
    release.spec.release.confirmErase = null;

    PassResult r = a.reconcile(List.of(release), 2L);

    assertThat(r.devices())
        .allSatisfy(
            d -> {
              assertThat(d.reason()).isEqualTo("EraseUnsafe");
              assertThat(d.message()).contains("spec.release.confirmErase");
            });
    assertThat(k.dimmOverwrites("nmem0")).isZero();
    assertThat(k.dimmOverwrites("nmem1")).isZero();
  }

  @Test
  void eraseWithAFrozenDimmIsBlocked() {
    SimulatedKernel k = Nodes.secureServer();
    k.setDimmSecurity("nmem1", "unlocked", true);
    PassResult r =
        agent(k, clock)
            .reconcile(
                List.of(
                    Pools.with(
                        Pools.releasing(Pools.systemRam("p"), ReleaseAction.Erase),
                        Pools.devices("dax0.0"))),
                2L);
    assertThat(r.devices().get(0).reason()).isEqualTo("DimmFrozen");
    assertThat(k.dimmOverwrites("nmem0")).isZero();
  }

  @Test
  void releaseKeepLeavesMemoryOnline() {
    SimulatedKernel k = Nodes.qemu();
    NodeReconciler a = agent(k, clock);
    a.reconcile(List.of(Pools.systemRam("p")), 1L);
    k.clearWrites();
    PassResult r =
        a.reconcile(List.of(Pools.releasing(Pools.systemRam("p"), ReleaseAction.Keep)), 2L);
    assertThat(k.writes()).isEmpty();
    assertThat(r.devices().get(0).phase()).isEqualTo(DevicePhase.Released);
    assertThat(r.after().fullyOnline(r.after().device("dax0.0").orElseThrow())).isTrue();
  }
}
