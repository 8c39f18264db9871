package io.daxtier.agent.plugin.allocation;

import java.util.OptionalInt;

/** One device as the kubelet sees it: an id, a health and the NUMA node TopologyInfo names. */
public sealed interface PluginDevice permits MemoryUnit, DaxUnit {

  /** The id in ListAndWatch, Allocate and GetPreferredAllocation (at most 63 characters). */
  String id();

  /** The NUMA node that holds the memory; preferred allocation groups by it. */
  int numaNode();

  boolean healthy();

  /** The node TopologyInfo names, or empty for none. */
  OptionalInt topologyNode();
}
