package io.daxtier.e2e.kernel;

import java.util.List;

/**
 * The guest's NUMA layout, like a PMEM server: CPUs and DRAM on node 0, each emulated NVDIMM on a
 * CPU-less node of its own.
 */
public record GuestTopology(int cpus, long dramMiB, List<Nvdimm> nvdimms) {

  /**
   * One {@code -device nvdimm} backed by a sparse file, with its SPA proximity domain. With a label
   * area ({@code labelKiB > 0}) namespaces can be created from free region capacity, once the
   * labels are initialised ({@code ndctl init-labels}); without one the kernel shows a single raw
   * namespace filling the region.
   */
  public record Nvdimm(int node, long sizeMiB, long labelKiB) {
    public Nvdimm(int node, long sizeMiB) {
      this(node, sizeMiB, 0);
    }
  }

  public GuestTopology {
    nvdimms = List.copyOf(nvdimms);
  }

  /** The scenarios' layout: 1 GiB on node 1 and 1.5 GiB on node 2 (sizes differ on purpose). */
  public static GuestTopology pmemServer() {
    return new GuestTopology(2, 2048, List.of(new Nvdimm(1, 1024), new Nvdimm(2, 1536)));
  }

  /** As {@link #pmemServer()}, with 128 KiB label areas: for namespace provisioning. */
  public static GuestTopology labelledPmemServer() {
    return new GuestTopology(2, 2048, List.of(new Nvdimm(1, 1024, 128), new Nvdimm(2, 1536, 128)));
  }

  /** Two equal 1 GiB DIMMs on nodes 1 and 2, for comparing conversions. */
  public static GuestTopology equalDimms() {
    return new GuestTopology(2, 2048, List.of(new Nvdimm(1, 1024), new Nvdimm(2, 1024)));
  }

  /** Hot-pluggable ceiling: DRAM plus every DIMM plus one spare 1 GiB. */
  long maxMemMiB() {
    return dramMiB + nvdimms.stream().mapToLong(Nvdimm::sizeMiB).sum() + 1024;
  }

  /** The highest NUMA node id in use. */
  int maxNode() {
    return nvdimms.stream().mapToInt(Nvdimm::node).max().orElse(0);
  }
}
