package io.daxtier.agent.state;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.Zone;
import java.util.List;

/**
 * A pool's memory in one NUMA node: online bytes and ranges with the unhealthy parts (SystemRam),
 * or one character device (DevDax: {@code onlineBytes} is the device's size); the nearest node with
 * CPUs; and what DRA publishes about the memory.
 *
 * @param memoryType pmem, cxl or hmem (of the devices behind it; null when unknown)
 * @param memoryTier the node's memory tier from memory_tiering (null when the kernel has none)
 * @param zone the zone the online blocks are in (Normal if any is; null for DevDax or unknown)
 * @param encrypted whether every DIMM behind every device has its security enabled (unlocked);
 *     false for memory without NVDIMM security (CXL, hmem)
 */
public record NumaCapacity(
    int node,
    int nearestCpuNode,
    long onlineBytes,
    List<AddressRange> onlineRanges,
    List<AddressRange> unhealthy,
    List<String> devDaxPaths,
    MemoryType memoryType,
    Integer memoryTier,
    Zone zone,
    boolean encrypted) {
  public NumaCapacity {
    onlineRanges = List.copyOf(onlineRanges);
    unhealthy = List.copyOf(unhealthy);
    devDaxPaths = List.copyOf(devDaxPaths);
  }

  /** Capacity without the memory's facts (type, tier and zone unknown, not encrypted). */
  public NumaCapacity(
      int node,
      int nearestCpuNode,
      long onlineBytes,
      List<AddressRange> onlineRanges,
      List<AddressRange> unhealthy,
      List<String> devDaxPaths) {
    this(
        node,
        nearestCpuNode,
        onlineBytes,
        onlineRanges,
        unhealthy,
        devDaxPaths,
        null,
        null,
        null,
        false);
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
