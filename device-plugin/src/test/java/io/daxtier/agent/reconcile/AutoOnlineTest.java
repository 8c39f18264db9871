package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.daxtier.agent.kernel.ForwardingKernel;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.record.NodeRecord;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.Zone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kernel that onlines hot-added memory itself (6.12's build default, {@code auto_online_blocks} =
 * online): blocked with the fixes named by default; converted with the opt-in, the policy restored
 * right after; an agent killed at any write in between restores it on its next start.
 */
class AutoOnlineTest {
  private final MutableClock clock = MutableClock.at("2026-12-04T22:00:00Z");
  private final SimulatedKernel kernel = Nodes.qemu();
  @TempDir Path stateDir;

  AutoOnlineTest() {
    kernel.setAutoOnline("online");
  }

  private NodeReconciler agent(Kernel k, boolean manage) {
    return new NodeReconciler(
        k, new SimulatedNdctl(kernel), clock, NodeRecord.open(stateDir), manage);
  }

  /** A default pool: SystemRam, zone Movable (a new one each time: Pools.with changes it). */
  private static NodePool movable() {
    return Pools.systemRam("p");
  }

  private String autoOnline() {
    return kernel.readTrimmed(KernelPaths.AUTO_ONLINE).orElseThrow();
  }

  private List<String> writes() {
    return kernel.acceptedWrites().stream()
        .map(
            w ->
                w.path().substring(w.path().lastIndexOf('/', w.path().lastIndexOf('/') - 1) + 1)
                    + " <- "
                    + w.value())
        .toList();
  }

  @Test
  void movablePoolIsBlockedWithTheFixesNamedAndNothingWritten() {
    PassResult r = agent(kernel, false).reconcile(List.of(movable()), 1L);

    DeviceResult d = r.devices().get(0);
    assertThat(d.phase()).isEqualTo(DevicePhase.Blocked);
    assertThat(d.reason()).isEqualTo("AutoOnlineConflict");
    assertThat(d.message())
        .contains("onlines hot-added memory itself into Normal")
        .contains("pool asks Movable")
        .contains("memhp_default_state=offline")
        .contains("--hotplug-policy Manage")
        .contains("agent.hotplugPolicy: Manage");
    assertThat(kernel.writes()).isEmpty();
    assertThat(r.status().platform.autoOnline.policy).isEqualTo("online");
    assertThat(r.status().platform.autoOnline.agentPolicy).isEqualTo("Respect");
    assertThat(r.status().platform.autoOnline.effect).contains("into Normal");
  }

  @Test
  void normalZonePoolConvertsWithTheKernelsOwnOnlining() {
    PassResult r =
        agent(kernel, false).reconcile(List.of(Pools.with(movable(), Pools.zone(Zone.Normal))), 1L);

    assertThat(r.converged()).isTrue();
    assertThat(writes()).noneMatch(w -> w.startsWith("memory/auto_online_blocks"));
    assertThat(r.status().devices.get(0).zone).isEqualTo(Zone.Normal);
  }

  @Test
  void managedConversionSwitchesAroundTheBindOnlyAndRestores() throws Exception {
    PassResult r = agent(kernel, true).reconcile(List.of(movable()), 1L);

    assertThat(r.converged()).isTrue();
    assertThat(r.status().devices.get(0).zone).isEqualTo(Zone.Movable);
    assertThat(writes().subList(0, 4))
        .containsExactly(
            "memory/auto_online_blocks <- offline",
            "device_dax/unbind <- dax0.0",
            "kmem/new_id <- dax0.0",
            "memory/auto_online_blocks <- online");
    assertThat(writes().subList(4, writes().size()))
        .hasSize(7)
        .allMatch(w -> w.endsWith("/state <- online_movable"));
    assertThat(autoOnline()).isEqualTo("online");
    assertThat(NodeRecord.open(stateDir).autoOnlineSwitch()).isEmpty();
    assertThat(r.status().platform.autoOnline.agentPolicy).isEqualTo("Manage");
  }

  /**
   * A kill point at every write of the managed conversion: afterwards auto_online_blocks is either
   * back at its value or the record holds that value; the next agent (with either policy) restores
   * it before anything else, and a managed pass then converges.
   */
  @Test
  void killedAtAnyWriteTheNextStartRestoresThePolicy() {
    int total = 11; // switch, unbind, new_id, restore, 7 blocks
    for (int n = 0; n < total; n++) {
      SimulatedKernel k = Nodes.qemu();
      k.setAutoOnline("online");
      Path dir = stateDir.resolve("kill-" + n);
      k.crashAfterWrites(n);
      Throwable died =
          catchThrowable(
              () ->
                  new NodeReconciler(k, new SimulatedNdctl(k), clock, NodeRecord.open(dir), true)
                      .reconcile(List.of(movable()), 1L));
      assertThat(died).as("kill point %d", n).isInstanceOf(SimulatedKernel.SimulatedCrash.class);
      k.clearCrash();
      Optional<NodeRecord.AutoOnlineSwitch> pending = NodeRecord.open(dir).autoOnlineSwitch();
      String now = k.readTrimmed(KernelPaths.AUTO_ONLINE).orElseThrow();
      assertThat(
              now.equals("online") || pending.map(p -> p.previous().equals("online")).orElse(false))
          .as("kill point %d: auto_online_blocks=%s, record %s", n, now, pending)
          .isTrue();

      // the next start, even without the opt-in, puts the value back first
      new NodeReconciler(k, new SimulatedNdctl(k), clock, NodeRecord.open(dir), false)
          .reconcile(List.of(), 1L);
      assertThat(k.readTrimmed(KernelPaths.AUTO_ONLINE)).as("kill point %d", n).hasValue("online");
      assertThat(NodeRecord.open(dir).autoOnlineSwitch()).as("kill point %d", n).isEmpty();

      PassResult done =
          new NodeReconciler(k, new SimulatedNdctl(k), clock, NodeRecord.open(dir), true)
              .reconcile(List.of(movable()), 2L);
      assertThat(done.converged()).as("kill point %d: %s", n, done.devices()).isTrue();
      assertThat(k.readTrimmed(KernelPaths.AUTO_ONLINE)).hasValue("online");
    }
  }

  @Test
  void aValueChangedByTheAdminMeanwhileIsLeftAlone() throws Exception {
    NodeRecord record = NodeRecord.open(stateDir);
    record.recordSwitch(new NodeRecord.AutoOnlineSwitch("online", "offline", "dax0.0", "t"));
    kernel.setAutoOnline("online_movable"); // not the offline the agent wrote

    agent(kernel, false).reconcile(List.of(), 1L);

    assertThat(autoOnline()).isEqualTo("online_movable");
    assertThat(NodeRecord.open(stateDir).autoOnlineSwitch()).isEmpty();
  }

  @Test
  void withoutADurableRecordNothingIsSwitched() throws Exception {
    Path notADir = Files.writeString(stateDir.resolve("file"), "x");
    PassResult r =
        new NodeReconciler(
                kernel, new SimulatedNdctl(kernel), clock, NodeRecord.open(notADir), true)
            .reconcile(List.of(movable()), 1L);

    assertThat(r.devices().get(0).reason()).isEqualTo("StateNotDurable");
    assertThat(kernel.writes()).isEmpty();
    assertThat(autoOnline()).isEqualTo("online");
  }

  /** A udev rule onlines each block kmem adds (RHEL), whatever auto_online_blocks says. */
  @Test
  void blocksAUdevRuleOnlinedIntoNormalAreReonlinedIntoMovableWhileUnused() {
    kernel.setAutoOnline("offline");
    Kernel udev = new UdevOnlining(kernel);

    PassResult r =
        new NodeReconciler(udev, new SimulatedNdctl(kernel), clock, NodeRecord.open(stateDir), true)
            .reconcile(List.of(movable()), 1L);

    assertThat(r.converged()).as("%s", r.devices()).isTrue();
    assertThat(r.status().devices.get(0).zone).isEqualTo(Zone.Movable);
    assertThat(writes()).contains("memory33/state <- offline", "memory33/state <- online_movable");
    assertThat(NodeRecord.open(stateDir).udevOnline()).isPresent();
    assertThat(r.after().platform().autoOnline().udevObserved()).isTrue();
  }

  @Test
  void withoutTheOptInUdevOnlinedBlocksAreLeftAndTheNextPoolIsBlocked() {
    kernel.setAutoOnline("offline");
    Kernel udev = new UdevOnlining(kernel);
    NodeReconciler a =
        new NodeReconciler(
            udev, new SimulatedNdctl(kernel), clock, NodeRecord.open(stateDir), false);

    PassResult r = a.reconcile(List.of(movable()), 1L);

    assertThat(writes()).noneMatch(w -> w.endsWith("<- offline"));
    assertThat(r.report().devices().get(0).notes())
        .anyMatch(n -> n.startsWith("AutoOnlinedByUdev"));
    // remembered, so the next pass (and the next agent) reports the udev rule it cannot read
    assertThat(NodeRecord.open(stateDir).udevOnline()).isPresent();
    assertThat(a.inventory().platform().autoOnline().udevOnlines()).isTrue();
  }

  /** The QEMU node with dax0.0 already in System RAM, onlined into Normal (by the kernel). */
  private static SimulatedKernel onlinedIntoNormal(String node1) throws Exception {
    String yaml =
        Files.readString(Nodes.example("qemu-nvdimm"))
            .replace("    mode: devdax", "    mode: system-ram\n    online: true\n    zone: Normal")
            .replace("  - id: 1\n    cpus: \"\"", "  - id: 1\n    cpus: \"\"" + node1);
    return Nodes.yaml(yaml);
  }

  @Test
  void managedAdoptionMovesBlocksTheKernelOnlinedIntoNormalWhileUnused() throws Exception {
    SimulatedKernel k = onlinedIntoNormal("");
    NodeReconciler a =
        new NodeReconciler(k, new SimulatedNdctl(k), clock, NodeRecord.open(stateDir), true);

    PassResult r = a.reconcile(List.of(movable()), 1L);

    assertThat(r.plan().describe()).anyMatch(l -> l.contains("not in Movable"));
    assertThat(r.status().devices.get(0).zone).isEqualTo(Zone.Movable);
    assertThat(r.devices().get(0).phase()).isEqualTo(DevicePhase.Online);
    assertThat(k.acceptedWrites()).hasSize(14); // offline + online_movable for each of 7 blocks
    k.clearWrites();
    assertThat(a.reconcile(List.of(movable()), 1L).plan().isEmpty()).isTrue();
    assertThat(k.writes()).isEmpty();
  }

  @Test
  void adoptionLeavesBlocksInUseAndWithoutTheOptInWritesNothing() throws Exception {
    SimulatedKernel busy = onlinedIntoNormal("\n    memTotal: 64Mi\n    memFree: 0");
    PassResult r =
        new NodeReconciler(busy, new SimulatedNdctl(busy), clock, NodeRecord.open(stateDir), true)
            .reconcile(List.of(movable()), 1L);

    assertThat(r.devices().get(0).phase()).isEqualTo(DevicePhase.Blocked);
    assertThat(r.devices().get(0).reason()).isEqualTo("AutoOnlineZone");
    assertThat(r.devices().get(0).message()).contains("in use").contains("not forced");
    assertThat(busy.writes()).isEmpty();

    SimulatedKernel idle = onlinedIntoNormal("");
    PassResult respected = agent(idle, false).reconcile(List.of(movable()), 1L);
    assertThat(respected.devices().get(0).phase()).isEqualTo(DevicePhase.Online);
    assertThat(respected.devices().get(0).message()).contains("ZoneMismatch");
    assertThat(idle.writes()).isEmpty();
  }

  /** Writes "online" to each new block right after kmem/new_id, as a udev rule would. */
  private static final class UdevOnlining extends ForwardingKernel {
    UdevOnlining(SimulatedKernel k) {
      super(k);
    }

    @Override
    public void write(String path, String value) {
      super.write(path, value);
      if (path.endsWith("kmem/new_id")) {
        for (String e : list(KernelPaths.node(1))) {
          if (e.startsWith("memory")) {
            super.write(KernelPaths.MEMORY + "/" + e + "/state", "online");
          }
        }
      }
    }
  }
}
