package io.daxtier.agent.state;

import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.daxtier.api.v1alpha1.TopologyMode;
import java.util.List;

/**
 * One pool's capacity on this node.
 *
 * @param ready whether the pool is converged here (the plugin registers only then)
 * @param api which kubelet API hands the pool to pods: the device plugin advertises only
 *     DevicePlugin pools, the DRA slice publisher only DRA pools
 */
public record PoolCapacity(
    String pool,
    PoolMode mode,
    String resourceName,
    long unitBytes,
    TopologyMode topology,
    boolean ready,
    List<NumaCapacity> numaNodes,
    ResourceApi api) {
  public PoolCapacity {
    numaNodes = List.copyOf(numaNodes);
    api = api == null ? ResourceApi.DevicePlugin : api;
  }

  /** A device-plugin pool. */
  public PoolCapacity(
      String pool,
      PoolMode mode,
      String resourceName,
      long unitBytes,
      TopologyMode topology,
      boolean ready,
      List<NumaCapacity> numaNodes) {
    this(pool, mode, resourceName, unitBytes, topology, ready, numaNodes, ResourceApi.DevicePlugin);
  }
}
