package io.daxtier.agent.plugin.allocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.TopologyMode;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreferredAllocatorTest {

  /**
   * Free units per node (nodes 2, 3, 4, ...), must-include ids, size → the units chosen per node.
   * Ids are written {@code n<node>:<index>}; lists are separated by spaces.
   */
  @ParameterizedTest(name = "free {0}, must {1}, size {2} -> {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        // fits on one node: the roomiest node that fits wins
        "2 4 3 |           | 2 | n3:0 n3:1",
        // fits on either of two equal nodes: the lowest node id
        "4 4   |           | 3 | n2:0 n2:1 n2:2",
        // fits only on the big node, not split across small ones
        "2 2 5 |           | 5 | n4:0 n4:1 n4:2 n4:3 n4:4",
        // does not fit anywhere: largest first, fewest nodes
        "3 5 2 |           | 7 | n3:0 n3:1 n3:2 n3:3 n3:4 n2:0 n2:1",
        // must-include first; its node is filled before any other
        "4 6   | n2:3      | 3 | n2:3 n2:0 n2:1",
        // must-include node cannot hold the rest: the roomiest other node that fits
        "2 3 5 | n2:1      | 4 | n2:1 n2:0 n4:0 n4:1",
        // must-include already covers the size
        "4 4   | n3:2 n2:0 | 2 | n3:2 n2:0",
        // not enough available: everything there is
        "1 1   |           | 3 | n2:0 n3:0",
      })
  void choosesFromTheFewestNodes(String free, String must, int size, String expected) {
    int[] units = Arrays.stream(free.trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    DeviceList list = Fixtures.units(units);
    List<String> available =
        list.devices().stream().map(PluginDevice::id).collect(Collectors.toList());

    List<String> chosen = PreferredAllocator.choose(list, available, ids(must), size);

    assertThat(chosen).containsExactlyElementsOf(ids(expected));
  }

  @Test
  void onlyAvailableHealthyKnownDevicesAreChosen() {
    DeviceList list =
        DeviceListBuilder.build(
            AdvertisedResource.systemRam(
                "daxtier.io/pmem",
                "p",
                Fixtures.GI,
                TopologyMode.NumaNode,
                List.of(new NumaCapacity(2, 4 * Fixtures.GI, Fixtures.GI, List.of(), 0))));

    List<String> chosen =
        PreferredAllocator.choose(
            list, List.of("node2-0003", "node2-0002", "node9-0000", "node2-0001"), List.of(), 3);

    // node2-0003 is unhealthy, node9-0000 unknown: only two can be offered, lowest first.
    assertThat(chosen).containsExactly("node2-0001", "node2-0002");
  }

  private static List<String> ids(String spec) {
    if (spec == null || spec.isBlank()) {
      return List.of();
    }
    return Arrays.stream(spec.trim().split("\\s+"))
        .map(s -> s.substring(1).split(":"))
        .map(p -> new UnitId(Integer.parseInt(p[0]), Integer.parseInt(p[1])).toString())
        .collect(Collectors.toList());
  }
}
