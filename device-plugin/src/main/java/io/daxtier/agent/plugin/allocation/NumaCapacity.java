package io.daxtier.agent.plugin.allocation;

import java.util.List;

/**
 * The pool's onlined memory on one NUMA node, and which of it is unhealthy.
 *
 * <p>Unhealthy ranges are offsets into the pool's memory on this node, counted from its start (the
 * agent lays its devices' ranges end to end, lowest physical address first). Unhealthy bytes not
 * covered by a range (poison known only by amount) are charged to the highest units.
 *
 * @param node the NUMA node the memory is on (a CPU-less kmem node)
 * @param onlineBytes bytes of the pool online on the node
 * @param unhealthyBytes bytes affected by poison, at least the sum of the ranges
 * @param unhealthyRanges where the poison is, when known
 * @param nearestCpuNode the closest node with CPUs by SLIT distance, or {@link #NO_NODE}
 */
public record NumaCapacity(
    int node,
    long onlineBytes,
    long unhealthyBytes,
    List<ByteRange> unhealthyRanges,
    int nearestCpuNode) {

  /** Marks an unknown nearest CPU node. */
  public static final int NO_NODE = -1;

  public NumaCapacity {
    if (node < 0) {
      throw new IllegalArgumentException("NUMA node must not be negative, was " + node);
    }
    if (onlineBytes < 0 || unhealthyBytes < 0) {
      throw new IllegalArgumentException("byte counts must not be negative on node " + node);
    }
    unhealthyRanges = List.copyOf(unhealthyRanges == null ? List.of() : unhealthyRanges);
  }

  /** Capacity without any poison. */
  public static NumaCapacity healthy(int node, long onlineBytes, int nearestCpuNode) {
    return new NumaCapacity(node, onlineBytes, 0, List.of(), nearestCpuNode);
  }
}
