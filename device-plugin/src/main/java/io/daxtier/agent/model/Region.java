package io.daxtier.agent.model;

import io.daxtier.api.v1alpha1.MemoryType;
import java.util.List;

/**
 * An NVDIMM region ({@code /sys/bus/nd/devices/regionN}) and the DIMMs behind its mappings; {@code
 * enabled} while nd_region is bound (ndctl disable-region unbinds it and its namespaces go away).
 */
public record Region(
    String name,
    String bus,
    MemoryType type,
    long start,
    long size,
    long available,
    List<BadBlock> badBlocks,
    List<String> dimms,
    int targetNode,
    boolean enabled) {

  public Region {
    badBlocks = List.copyOf(badBlocks);
    dimms = List.copyOf(dimms);
  }

  /** The physical range of a bad-block entry (sectors are relative to the region start). */
  public AddressRange physical(BadBlock b) {
    long s = start + b.sector() * Sizes.SECTOR;
    return new AddressRange(s, s + (long) b.count() * Sizes.SECTOR - 1);
  }
}
