package io.daxtier.agent.state;

import io.daxtier.api.v1alpha1.Capability;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the node advertises, as last observed: handed to the device plugin manager and the DRA slice
 * publisher after every pass.
 *
 * @param distances NUMA distance rows by node id (for NearestCpuNode topology)
 * @param cpuNodes nodes with CPUs
 * @param mceRecovery whether the node's CPUs recover from machine checks (the recoverability gate's
 *     finding; {@link Capability#Unknown} when not read)
 */
public record NodeState(
    Instant observedAt,
    List<PoolCapacity> pools,
    Map<Integer, List<Integer>> distances,
    List<Integer> cpuNodes,
    Capability mceRecovery) {
  public NodeState {
    pools = List.copyOf(pools);
    distances = Map.copyOf(distances);
    cpuNodes = List.copyOf(cpuNodes);
    mceRecovery = mceRecovery == null ? Capability.Unknown : mceRecovery;
  }

  /** A state without the machine-check finding ({@link Capability#Unknown}). */
  public NodeState(
      Instant observedAt,
      List<PoolCapacity> pools,
      Map<Integer, List<Integer>> distances,
      List<Integer> cpuNodes) {
    this(observedAt, pools, distances, cpuNodes, Capability.Unknown);
  }
}
