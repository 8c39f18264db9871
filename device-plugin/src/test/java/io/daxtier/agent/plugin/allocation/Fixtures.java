package io.daxtier.agent.plugin.allocation;

import io.daxtier.api.v1alpha1.TopologyMode;
import java.util.List;

/** Small builders shared by the allocation tests. */
final class Fixtures {
  static final long GI = 1L << 30;

  private Fixtures() {}

  /** A SystemRam resource of 1 GiB units with {@code units[i]} healthy units on node i+2. */
  static DeviceList units(int... units) {
    NumaCapacity[] nodes = new NumaCapacity[units.length];
    for (int i = 0; i < units.length; i++) {
      nodes[i] = NumaCapacity.healthy(i + 2, units[i] * GI, 0);
    }
    return DeviceListBuilder.build(
        AdvertisedResource.systemRam(
            "daxtier.io/pmem", "pool-a", GI, TopologyMode.NumaNode, List.of(nodes)));
  }
}
