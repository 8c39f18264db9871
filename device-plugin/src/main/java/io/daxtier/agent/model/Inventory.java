package io.daxtier.agent.model;

import java.util.List;
import java.util.Optional;

/**
 * Everything the agent knows about its node at one instant: an immutable snapshot of sysfs.
 *
 * @param malformed the objects whose kernel attributes were malformed, with the attribute: a device
 *     among them (its own attribute or one of an object it depends on) is not in {@link #devices()}
 */
public record Inventory(
    Platform platform,
    List<DaxDevice> devices,
    List<Region> regions,
    List<Dimm> dimms,
    List<NdBus> buses,
    List<MemoryBlock> blocks,
    List<NumaNode> numaNodes,
    List<String> classModelDevices,
    List<MalformedObject> malformed) {

  public Inventory {
    devices = List.copyOf(devices);
    regions = List.copyOf(regions);
    dimms = List.copyOf(dimms);
    buses = List.copyOf(buses);
    blocks = List.copyOf(blocks);
    numaNodes = List.copyOf(numaNodes);
    classModelDevices = List.copyOf(classModelDevices);
    malformed = List.copyOf(malformed);
  }

  /** The report of a malformed object by name ({@code dax0.0}, {@code region1}, ...). */
  public Optional<MalformedObject> malformed(String name) {
    return malformed.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  public Optional<DaxDevice> device(String name) {
    return devices.stream().filter(d -> d.name().equals(name)).findFirst();
  }

  public Optional<Region> region(String name) {
    return regions.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  public Optional<Dimm> dimm(String name) {
    return dimms.stream().filter(d -> d.name().equals(name)).findFirst();
  }

  public Optional<NdBus> bus(String name) {
    return buses.stream().filter(b -> b.name().equals(name)).findFirst();
  }

  public Optional<NumaNode> numa(int id) {
    return numaNodes.stream().filter(n -> n.id() == id).findFirst();
  }

  /** The memory blocks kmem created for a device (empty unless it is in system-ram mode). */
  public List<MemoryBlock> blocksOf(DaxDevice d) {
    long bs = platform.blockSize();
    return blocks.stream().filter(b -> d.ownsBlock(b.index(), bs)).toList();
  }

  /** The DIMMs behind a device's region (empty for CXL/hmem devices). */
  public List<Dimm> dimmsOf(DaxDevice d) {
    return region(d.region())
        .map(r -> r.dimms().stream().map(this::dimm).flatMap(Optional::stream).toList())
        .orElse(List.of());
  }

  /**
   * Whether the device's memory is encrypted at rest: it has DIMMs and every one has its security
   * enabled and unlocked (what {@code policy.encryption: Required} accepts). CXL and hmem devices
   * have no NVDIMM security state and are never encrypted by this measure.
   */
  public boolean encrypted(DaxDevice d) {
    List<Dimm> ds = dimmsOf(d);
    return !ds.isEmpty() && ds.stream().allMatch(m -> "unlocked".equals(m.security()));
  }

  /** Bad-block ranges of the device's region that fall inside the device, as physical ranges. */
  public List<AddressRange> badRangesOf(DaxDevice d) {
    return region(d.region())
        .map(r -> r.badBlocks().stream().map(r::physical).filter(d::overlaps).toList())
        .orElse(List.of());
  }

  /** Whether every block of the device is online. */
  public boolean fullyOnline(DaxDevice d) {
    List<MemoryBlock> bs = blocksOf(d);
    return !bs.isEmpty() && bs.stream().allMatch(MemoryBlock::online);
  }
}
