package io.daxtier.agent.kernel.sim;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A simulated node, as written in YAML (docs/simulated-node.md). Sizes and addresses are strings so
 * the file can say {@code 1Gi} or {@code 0x100000000}.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record SimNodeSpec(
    String kernel,
    String blockSize,
    String autoOnlineBlocks,
    String onlinePolicy,
    String udevOnline,
    Boolean demotionEnabled,
    String cmdline,
    Boolean kmem,
    Boolean kmemLoadable,
    Boolean classModel,
    Cpu cpu,
    List<Numa> numaNodes,
    List<Bus> buses,
    List<Dimm> dimms,
    List<Region> regions,
    List<Dax> daxDevices) {

  /** CPU facts: vendor, family/model, /proc/cpuinfo flags and IA32_MCG_CAP (absent: unreadable). */
  public record Cpu(
      String vendor,
      Integer family,
      Integer model,
      List<String> flags,
      String mcgCap,
      Integer cpus) {}

  /**
   * A NUMA node: CPUs (a list such as 0-1, empty for CPU-less), boot memory, distances, and its
   * HMAT/CDAT performance from the CPUs ({@code nodeN/access1/initiators}; absent: none).
   */
  public record Numa(
      Integer id,
      String cpus,
      String memTotal,
      String memFree,
      List<Integer> distances,
      Access access1) {}

  /** Access-class performance: latencies in nanoseconds, bandwidths in MB/s. */
  public record Access(
      Long readLatency, Long writeLatency, Long readBandwidth, Long writeBandwidth) {}

  /** An NVDIMM bus; {@code ars} says whether it has nfit/scrub (QEMU has not). */
  public record Bus(String name, Boolean ars, Integer scrubCount) {}

  /** A DIMM: security is disabled|unlocked|locked|overwrite, or absent (no security support). */
  public record Dimm(String name, String bus, String security, Boolean frozen) {}

  /** A region: type pmem|cxl|hmem, physical start, size, target node and bad blocks. */
  public record Region(
      String name,
      String bus,
      String type,
      String start,
      String size,
      Integer targetNode,
      Integer numaNode,
      List<String> dimms,
      List<BadBlock> badBlocks) {}

  /** A bad-block range in 512-byte sectors relative to the region start. */
  public record BadBlock(Long sector, Integer count) {}

  /**
   * A dax device: mode devdax|system-ram|unbound; for system-ram, whether its blocks are online and
   * in which zone (Movable|Normal); {@code memmapOnMemory} sets its knob (kernel 6.8 and later).
   */
  public record Dax(
      String name,
      String region,
      String start,
      String size,
      String mode,
      Boolean online,
      String zone,
      Integer targetNode,
      Boolean memmapOnMemory) {}
}
