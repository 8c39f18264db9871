package io.daxtier.agent.dra;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.state.NumaCapacity;
import io.daxtier.agent.state.PoolCapacity;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.Capability;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.daxtier.api.v1alpha1.TopologyMode;
import io.daxtier.api.v1alpha1.Zone;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DraDevicesTest {
  static final long MIB = 1024 * 1024;
  static final long GIB = 1024 * MIB;
  static final AddressRange LOW = new AddressRange(0x100000000L, 0x100000000L + 2 * GIB - 1);

  static NumaCapacity ram(int node, List<AddressRange> bad) {
    return new NumaCapacity(
        node, 0, 2 * GIB, List.of(LOW), bad, List.of(), MemoryType.CXL, 22, Zone.Movable, false);
  }

  static PoolCapacity pool(
      String name, PoolMode mode, ResourceApi api, boolean ready, NumaCapacity... nodes) {
    return new PoolCapacity(
        name, mode, "x.io/" + name, GIB, TopologyMode.NumaNode, ready, List.of(nodes), api);
  }

  static NodeState state(PoolCapacity... pools) {
    return new NodeState(Instant.EPOCH, List.of(pools), Map.of(), List.of(0), Capability.Supported);
  }

  @Test
  void oneSystemRamDevicePerPoolAndKmemNodeWithTheHealthyBytesAndEveryAttribute() {
    var s = state(pool("tier", PoolMode.SystemRam, ResourceApi.DRA, true, ram(1, List.of())));

    assertThat(DraDevices.from(s))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.name()).isEqualTo("ram-tier-n1");
              assertThat(d.capacityBytes()).isEqualTo(2 * GIB);
              assertThat(d.unitBytes()).isEqualTo(GIB);
              assertThat(d.healthy()).isTrue();
              assertThat(d.devDax()).isEmpty();
              assertThat(d.attributes())
                  .containsExactlyInAnyOrderEntriesOf(
                      Map.of(
                          DraNames.ATTR_NUMA_NODE,
                          1L,
                          DraNames.ATTR_POOL,
                          "tier",
                          DraNames.ATTR_MODE,
                          "SystemRam",
                          DraNames.ATTR_MEMORY_TYPE,
                          "cxl",
                          DraNames.ATTR_MEMORY_TIER,
                          22L,
                          DraNames.ATTR_ZONE,
                          "Movable",
                          DraNames.ATTR_ENCRYPTED,
                          false,
                          DraNames.ATTR_MCE_RECOVERY,
                          true,
                          DraNames.ATTR_NEAREST_CPU_NODE,
                          0L));
            });
  }

  @Test
  void poisonMakesTheDeviceUnhealthyAndShrinksItsCapacity() {
    AddressRange page = new AddressRange(LOW.start(), LOW.start() + 4095);
    var s = state(pool("tier", PoolMode.SystemRam, ResourceApi.DRA, true, ram(1, List.of(page))));

    DraDevice d = DraDevices.from(s).get(0);
    assertThat(d.healthy()).isFalse();
    assertThat(d.capacityBytes()).isEqualTo(2 * GIB - 4096);
  }

  @Test
  void lessThanOneHealthyUnitIsNotPublished() {
    AddressRange most = new AddressRange(LOW.start(), LOW.start() + GIB + 4095);
    var s = state(pool("tier", PoolMode.SystemRam, ResourceApi.DRA, true, ram(1, List.of(most))));
    assertThat(DraDevices.from(s)).isEmpty();
  }

  @Test
  void devicePluginPoolsAndUnconvergedPoolsAreNotPublished() {
    var plugin =
        pool("plugin", PoolMode.SystemRam, ResourceApi.DevicePlugin, true, ram(1, List.of()));
    var converging = pool("late", PoolMode.SystemRam, ResourceApi.DRA, false, ram(2, List.of()));

    assertThat(DraDevices.from(state(plugin, converging))).isEmpty();
    // Once published, a pool follows its capacity even while not converged (as the plugin does).
    assertThat(DraDevices.from(state(plugin, converging), Set.of("late")))
        .extracting(DraDevice::name)
        .containsExactly("ram-late-n2");
  }

  @Test
  void devDaxIsOneWholeDevicePerCharacterDevice() {
    NumaCapacity a =
        new NumaCapacity(
            2,
            0,
            4 * GIB,
            List.of(),
            List.of(),
            List.of("/dev/dax1.0"),
            MemoryType.PMEM,
            null,
            null,
            true);
    NumaCapacity b =
        new NumaCapacity(
            2,
            0,
            2 * GIB,
            List.of(),
            List.of(LOW),
            List.of("/dev/dax0.0"),
            MemoryType.PMEM,
            null,
            null,
            true);
    var s = state(pool("raw", PoolMode.DevDax, ResourceApi.DRA, true, a, b));

    assertThat(DraDevices.from(s))
        .extracting(
            DraDevice::name, DraDevice::devDaxPath, DraDevice::capacityBytes, DraDevice::healthy)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("dax0-0", "/dev/dax0.0", 2 * GIB, false),
            org.assertj.core.groups.Tuple.tuple("dax1-0", "/dev/dax1.0", 4 * GIB, true));
    assertThat(DraDevices.from(s).get(1).attributes())
        .containsEntry(DraNames.ATTR_MODE, "DevDax")
        .containsEntry(DraNames.ATTR_ENCRYPTED, true)
        .doesNotContainKeys(DraNames.ATTR_ZONE, DraNames.ATTR_MEMORY_TIER);
  }

  @Test
  void aCxlExpanderAfterAPass() {
    SimulatedKernel kernel = Nodes.cxl();
    NodePool pool =
        Pools.with(
            Pools.systemRam("cxl"),
            Pools.devices("dax0.0").andThen(s -> s.resource.api = ResourceApi.DRA));
    NodeState s =
        new NodeReconciler(
                kernel, new SimulatedNdctl(kernel), MutableClock.at("2026-12-01T00:00:00Z"))
            .reconcile(List.of(pool), 1L)
            .nodeState();

    assertThat(s.mceRecovery()).isEqualTo(Capability.Supported);
    assertThat(s.pools())
        .singleElement()
        .satisfies(p -> assertThat(p.api()).isEqualTo(ResourceApi.DRA));
    assertThat(DraDevices.from(s))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.name()).isEqualTo("ram-cxl-n1");
              assertThat(d.capacityBytes()).isEqualTo(8 * GIB);
              assertThat(d.attributes())
                  .containsEntry(DraNames.ATTR_NUMA_NODE, 1L)
                  .containsEntry(DraNames.ATTR_MEMORY_TYPE, "cxl")
                  .containsEntry(DraNames.ATTR_ZONE, "Movable")
                  .containsEntry(DraNames.ATTR_ENCRYPTED, false)
                  .containsEntry(DraNames.ATTR_MCE_RECOVERY, true)
                  .containsEntry(DraNames.ATTR_NEAREST_CPU_NODE, 0L)
                  .containsKey(DraNames.ATTR_MEMORY_TIER);
            });
  }

  @Test
  void anEncryptedNvdimmServerAfterAPass() {
    SimulatedKernel kernel = Nodes.secureServer();
    NodePool pool = Pools.with(Pools.devDax("raw"), s -> s.resource.api = ResourceApi.DRA);
    NodeState s =
        new NodeReconciler(
                kernel, new SimulatedNdctl(kernel), MutableClock.at("2026-12-01T00:00:00Z"))
            .reconcile(List.of(pool), 1L)
            .nodeState();

    assertThat(DraDevices.from(s)).extracting(DraDevice::name).containsExactly("dax0-0", "dax1-0");
    assertThat(DraDevices.from(s))
        .allSatisfy(
            d ->
                assertThat(d.attributes())
                    .containsEntry(DraNames.ATTR_MEMORY_TYPE, "pmem")
                    .containsEntry(DraNames.ATTR_ENCRYPTED, true));
  }
}
