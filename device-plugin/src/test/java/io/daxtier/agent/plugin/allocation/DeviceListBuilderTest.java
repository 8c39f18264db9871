package io.daxtier.agent.plugin.allocation;

import static io.daxtier.agent.plugin.allocation.Fixtures.GI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.TopologyMode;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeviceListBuilderTest {

  @Test
  void oneUnitPerWholeUnitOfOnlineMemoryPerNode() {
    DeviceList list =
        build(
            TopologyMode.NumaNode,
            NumaCapacity.healthy(3, 2 * GI, 1),
            NumaCapacity.healthy(2, 3 * GI + GI / 2, 0));

    assertThat(ids(list))
        .containsExactly("node2-0000", "node2-0001", "node2-0002", "node3-0000", "node3-0001");
    assertThat(list.capacity()).isEqualTo(5);
    assertThat(list.healthyCount()).isEqualTo(5);
    assertThat(list.find("node3-0001")).get().extracting(PluginDevice::numaNode).isEqualTo(3);
  }

  @Test
  void idsAreStableWhenCapacityGrowsOrShrinks() {
    DeviceList small = build(TopologyMode.NumaNode, NumaCapacity.healthy(2, 2 * GI, 0));
    DeviceList big = build(TopologyMode.NumaNode, NumaCapacity.healthy(2, 4 * GI, 0));

    assertThat(ids(big)).startsWith(ids(small).toArray(String[]::new));
    assertThat(build(TopologyMode.NumaNode, NumaCapacity.healthy(2, 2 * GI, 0))).isEqualTo(small);
  }

  @ParameterizedTest(name = "{0}: node 4 nearest cpu 1 -> {1}")
  @CsvSource({"NumaNode,4", "NearestCpuNode,1", "None,-1"})
  void topologyNamesTheConfiguredNode(TopologyMode mode, int expected) {
    DeviceList list = build(mode, NumaCapacity.healthy(4, GI, 1));

    OptionalInt topology = list.devices().get(0).topologyNode();
    assertThat(topology).isEqualTo(expected < 0 ? OptionalInt.empty() : OptionalInt.of(expected));
  }

  @Test
  void nearestCpuNodeUnknownMeansNoTopology() {
    DeviceList list =
        build(TopologyMode.NearestCpuNode, NumaCapacity.healthy(4, GI, NumaCapacity.NO_NODE));

    assertThat(list.devices().get(0).topologyNode()).isEmpty();
  }

  @Test
  void unitsTouchedByABadRangeAreUnhealthy() {
    // A 4 KiB range straddling the boundary of units 1 and 2, and one inside unit 5.
    NumaCapacity node =
        new NumaCapacity(
            2,
            8 * GI,
            3 * GI,
            List.of(new ByteRange(2 * GI - 2048, 4096), new ByteRange(5 * GI + 7, 1)),
            0);

    assertThat(unhealthy(build(TopologyMode.NumaNode, node)))
        .containsExactly("node2-0001", "node2-0002", "node2-0005");
  }

  @Test
  void poisonKnownOnlyByAmountIsChargedToTheHighestUnits() {
    NumaCapacity node = new NumaCapacity(2, 4 * GI, GI + 1, List.of(), 0);

    assertThat(unhealthy(build(TopologyMode.NumaNode, node)))
        .containsExactly("node2-0002", "node2-0003");
  }

  @Test
  void rangesBeyondTheOnlineMemoryAreIgnored() {
    NumaCapacity node = new NumaCapacity(2, 2 * GI, GI, List.of(new ByteRange(9 * GI, GI)), 0);

    // The range is outside; its bytes still count, so the top unit goes.
    assertThat(unhealthy(build(TopologyMode.NumaNode, node))).containsExactly("node2-0001");
  }

  @Test
  void devDaxAdvertisesOneDevicePerCharDevice() {
    DeviceList list =
        DeviceListBuilder.build(
            AdvertisedResource.devDax(
                "daxtier.io/devdax",
                "pool-d",
                TopologyMode.NumaNode,
                List.of(
                    new DaxCharDevice("/dev/dax1.0", 1, false),
                    new DaxCharDevice("/dev/dax0.0", 0, true))));

    assertThat(list.mode()).isEqualTo(PoolMode.DevDax);
    assertThat(list.devices())
        .containsExactly(
            new DaxUnit("dax0.0", "/dev/dax0.0", 0, true, OptionalInt.of(0)),
            new DaxUnit("dax1.0", "/dev/dax1.0", 1, false, OptionalInt.of(1)));
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(
            () -> AdvertisedResource.systemRam("r/x", "p", 0, TopologyMode.NumaNode, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                AdvertisedResource.systemRam(
                    "r/x",
                    "p",
                    GI,
                    TopologyMode.NumaNode,
                    List.of(NumaCapacity.healthy(2, GI, 0), NumaCapacity.healthy(2, GI, 0))))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> new DaxCharDevice("dax0.0", 0, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static DeviceList build(TopologyMode mode, NumaCapacity... nodes) {
    return DeviceListBuilder.build(
        AdvertisedResource.systemRam("daxtier.io/pmem", "pool-a", GI, mode, List.of(nodes)));
  }

  private static List<String> ids(DeviceList list) {
    return list.devices().stream().map(PluginDevice::id).collect(Collectors.toList());
  }

  private static List<String> unhealthy(DeviceList list) {
    return list.devices().stream()
        .filter(d -> !d.healthy())
        .map(PluginDevice::id)
        .collect(Collectors.toList());
  }
}
