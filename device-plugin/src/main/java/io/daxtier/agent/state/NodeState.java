package io.daxtier.agent.state;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the node advertises, as last observed: handed to the device plugin manager after every pass.
 *
 * @param distances NUMA distance rows by node id (for NearestCpuNode topology)
 * @param cpuNodes nodes with CPUs
 */
public record NodeState(
    Instant observedAt,
    List<PoolCapacity> pools,
    Map<Integer, List<Integer>> distances,
    List<Integer> cpuNodes) {
  public NodeState {
    pools = List.copyOf(pools);
    distances = Map.copyOf(distances);
    cpuNodes = List.copyOf(cpuNodes);
  }
}
