package io.daxtier.agent.state;

import io.daxtier.agent.model.AddressRange;
import java.util.List;

/**
 * A pool's memory in one NUMA node: online bytes and ranges with the unhealthy parts (SystemRam),
 * or the character devices (DevDax); and the nearest node with CPUs.
 */
public record NumaCapacity(
    int node,
    int nearestCpuNode,
    long onlineBytes,
    List<AddressRange> onlineRanges,
    List<AddressRange> unhealthy,
    List<String> devDaxPaths) {
  public NumaCapacity {
    onlineRanges = List.copyOf(onlineRanges);
    unhealthy = List.copyOf(unhealthy);
    devDaxPaths = List.copyOf(devDaxPaths);
  }

  /** Online bytes minus the unhealthy bytes that fall inside them. */
  public long healthyBytes() {
    long bad = 0;
    for (AddressRange u : unhealthy) {
      for (AddressRange o : onlineRanges) {
        if (o.overlaps(u)) {
          bad += o.intersect(u).size();
        }
      }
    }
    return Math.max(0, onlineBytes - bad);
  }
}
