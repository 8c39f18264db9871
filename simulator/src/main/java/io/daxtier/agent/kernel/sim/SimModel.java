package io.daxtier.agent.kernel.sim;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.KernelException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The objects of a simulated node (NUMA nodes, NVDIMM buses, DIMMs, regions, dax devices, memory
 * blocks) as plain mutable state. Not thread-safe: only touched under {@link SimulatedKernel}'s
 * lock, by the parts that model what the kernel does with them.
 */
final class SimModel {
  static final class Numa {
    int id;
    String cpus = "";
    long baseTotal;
    long baseFree;
    List<Integer> distances = new ArrayList<>();
    KernelProfile.Perf perf;
  }

  static final class Bus {
    String name;
    boolean ars;
    int scrubCount;
    boolean scrubbing;
  }

  static final class Dimm {
    String name;
    String bus;
    String security;
    boolean frozen;
    int overwrites;

    /** The security state an overwrite kept running returns to ({@link DimmSecurity#hold}). */
    String securityBeforeOverwrite;
  }

  static final class Region {
    String name;
    String bus;
    String type;
    long start;
    long size;
    int targetNode;
    int numaNode;
    List<String> dimms = new ArrayList<>();
    TreeMap<Long, Integer> badBlocks = new TreeMap<>();
    boolean disabled;
  }

  static final class Dax {
    String name;
    String region;
    long start;
    long size;
    int targetNode;
    int numaNode;
    String driver;
    boolean leaked;
    boolean memmapOnMemory;
  }

  static final class Block {
    long index;
    int node;
    boolean online;
    String zone;
    String device;
    long memmapBytes;
  }

  final TreeMap<Integer, Numa> nodes = new TreeMap<>();
  final Map<String, Bus> buses = new LinkedHashMap<>();
  final Map<String, Dimm> dimms = new LinkedHashMap<>();
  final Map<String, Region> regions = new LinkedHashMap<>();
  final Map<String, Dax> devices = new TreeMap<>();
  final TreeMap<Long, Block> blocks = new TreeMap<>();

  /** The kernel's refusal of a write. */
  static KernelException refuse(String path, String value, Errno errno) {
    return new KernelException(path, value, errno, null);
  }
}
