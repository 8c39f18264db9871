package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.policy.History;
import io.daxtier.agent.record.NodeRecord;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.ownership.Ownership;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ReleaseAction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device a pool holds stays with it: an older pool that comes to select a device a younger DevDax
 * pool serves gets Conflict, and the kernel never sees a write for the device, in the same agent
 * and in a restarted one (new objects, same state directory).
 */
class StickyOwnershipTest {
  @TempDir Path state;

  private final MutableClock clock = MutableClock.at("2026-12-05T04:00:00Z");

  private NodeReconciler agent(SimulatedKernel k) {
    return new NodeReconciler(k, new SimulatedNdctl(k), clock, NodeRecord.open(state), false);
  }

  private PassResult passes(NodeReconciler a, List<NodePool> pools, int n) {
    PassResult last = null;
    for (int i = 0; i < n; i++) {
      last = a.reconcile(pools, 1L);
      clock.advance(Duration.ofMinutes(5));
    }
    return last;
  }

  private static DeviceResult result(PassResult r, String device, String pool) {
    return r.devices().stream()
        .filter(d -> d.device().equals(device) && pool.equals(d.pool()))
        .findFirst()
        .orElseThrow();
  }

  private static NodePoolStatus pool(PassResult r, String name) {
    return r.status().pools.stream().filter(p -> p.name.equals(name)).findFirst().orElseThrow();
  }

  private static String driver(SimulatedKernel k, String device) {
    return k.readlink(KernelPaths.dax(device) + "/driver")
        .map(p -> p.substring(p.lastIndexOf('/') + 1))
        .orElse("none");
  }

  /** The younger DevDax pool serving dax0.0 on a fresh node, by agent {@code a} on {@code k}. */
  private void served(NodeReconciler a, SimulatedKernel k, NodePool young) {
    PassResult r = passes(a, List.of(young), 3);
    assertThat(result(r, "dax0.0", "young").phase()).isEqualTo(DevicePhase.Online);
    assertThat(pool(r, "young").phase).isEqualTo(PoolPhase.Ready);
    assertThat(a.history().owners().get("dax0.0"))
        .isEqualTo(new History.Owner("young", "young-uid", Ownership.Use.DevDax));
    k.clearWrites();
  }

  private SimulatedKernel served(NodePool young) {
    SimulatedKernel k = Nodes.yaml(RestartSafetyTest.NODE);
    served(agent(k), k, young);
    return k;
  }

  /** No kernel write names dax0.0 (unbind, kmem new_id/bind) or touches its memory. */
  private static void untouched(SimulatedKernel k) {
    assertThat(k.writes())
        .as("kernel writes after the older pool came")
        .noneMatch(w -> w.path().contains("dax0.0") || w.value().contains("dax0.0"))
        .noneMatch(w -> w.path().contains("/memory/memory"));
    assertThat(driver(k, "dax0.0")).isEqualTo(KernelPaths.DEVICE_DAX);
  }

  private static void keptByTheYoungerPool(PassResult r, String older) {
    assertThat(result(r, "dax0.0", "young").phase()).isEqualTo(DevicePhase.Online);
    DeviceResult lost = result(r, "dax0.0", older);
    assertThat(lost.phase()).isEqualTo(DevicePhase.Conflict);
    assertThat(lost.message()).isEqualTo("held by pool young");
    assertThat(pool(r, older).reason).isEqualTo("Conflict");
    assertThat(pool(r, older).message).contains("held by pool young");
    assertThat(pool(r, "young").phase).isEqualTo(PoolPhase.Ready);
    assertThat(r.decisions())
        .filteredOn(d -> d.device().equals("dax0.0") && d.pool().equals("young"))
        .hasSize(1);
  }

  @Test
  void anOlderSystemRamPoolNeverTakesADeviceAYoungerDevDaxPoolServes() {
    SimulatedKernel k = Nodes.yaml(RestartSafetyTest.NODE);
    NodeReconciler a = agent(k);
    NodePool young = Pools.with(Pools.devDax("young"), Pools.devices("dax0.0"));
    served(a, k, young);
    // a selector edit or a node label change: the older pool now selects dax0.0 too
    NodePool old = Pools.with(Pools.systemRam("old"), Pools.devices("dax0.0"));
    List<NodePool> both = List.of(old, young); // precedence order: the older first

    keptByTheYoungerPool(passes(a, both, 3), "old");
    untouched(k);
  }

  @Test
  void theYoungerPoolKeepsItAcrossAnAgentRestart() {
    SimulatedKernel k = Nodes.yaml(RestartSafetyTest.NODE);
    NodePool young = Pools.with(Pools.devDax("young"), Pools.devices("dax0.0"));
    served(agent(k), k, young);
    NodePool old = Pools.with(Pools.systemRam("old"), Pools.devices("dax0.0"));
    keptByTheYoungerPool(passes(agent(k), List.of(old, young), 1), "old");

    // the agent restarts: new objects, the same state directory
    keptByTheYoungerPool(passes(agent(k), List.of(old, young), 3), "old");
    untouched(k);
  }

  @Test
  void anOlderDevDaxPoolDoesNotTakeItUnderItsOwnResource() {
    NodePool young = Pools.with(Pools.devDax("young"), Pools.devices("dax0.0"));
    SimulatedKernel k = served(young);
    NodePool old = Pools.with(Pools.devDax("old"), Pools.devices("dax0.0"));
    old.spec.resource.name = "daxtier.io/old";

    PassResult r = passes(agent(k), List.of(old, young), 3);

    keptByTheYoungerPool(r, "old");
    assertThat(r.nodeState().pools())
        .filteredOn(c -> c.pool().equals("old"))
        .flatExtracting(c -> c.numaNodes())
        .flatExtracting(n -> n.devDaxPaths())
        .as("char devices advertised under the older pool's resource")
        .isEmpty();
    assertThat(r.nodeState().pools())
        .filteredOn(c -> c.pool().equals("young"))
        .flatExtracting(c -> c.numaNodes())
        .flatExtracting(n -> n.devDaxPaths())
        .anyMatch(path -> path.endsWith("dax0.0"));
    untouched(k);
  }

  /**
   * A record from an agent that kept no holders, only the DevDax devices handed out: the serving
   * pool, still selecting the device, holds it.
   */
  @Test
  void aRecordWithoutHoldersFallsBackToTheServingPool() throws Exception {
    SimulatedKernel k = Nodes.yaml(RestartSafetyTest.NODE);
    NodeReconciler first = agent(k);
    NodePool young = Pools.with(Pools.devDax("young"), Pools.devices("dax0.0"));
    served(first, k, young);
    NodeRecord.open(state).saveHistory(first.history().withOwner("dax0.0", null));
    NodePool old = Pools.with(Pools.devDax("old"), Pools.devices("dax0.0"));

    NodeReconciler restarted = agent(k);
    keptByTheYoungerPool(passes(restarted, List.of(old, young), 2), "old");
    untouched(k);
    assertThat(restarted.history().owners().get("dax0.0").pool()).isEqualTo("young");
  }

  @Test
  void theOlderPoolGetsTheDeviceOnceTheYoungerReleasedIt() {
    NodePool young = Pools.with(Pools.devDax("young"), Pools.devices("dax0.0"));
    SimulatedKernel k = served(young);
    NodePool old = Pools.with(Pools.systemRam("old"), Pools.devices("dax0.0"));
    NodeReconciler a = agent(k);
    keptByTheYoungerPool(passes(a, List.of(old, young), 1), "old");

    // the younger pool leaves the node: its release completes, the operator drops its entry
    PassResult released = passes(a, List.of(old, Pools.releasing(young, ReleaseAction.Offline)), 1);
    assertThat(result(released, "dax0.0", "young").phase()).isEqualTo(DevicePhase.Released);
    assertThat(a.history().owners()).doesNotContainKey("dax0.0");

    PassResult r = passes(a, List.of(old), 3);
    assertThat(result(r, "dax0.0", "old").phase()).isEqualTo(DevicePhase.Online);
    assertThat(driver(k, "dax0.0")).isEqualTo(KernelPaths.KMEM);
    assertThat(a.history().owners().get("dax0.0").pool()).isEqualTo("old");
  }
}
