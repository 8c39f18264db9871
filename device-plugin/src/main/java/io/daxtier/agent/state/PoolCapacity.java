package io.daxtier.agent.state;

import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.TopologyMode;
import java.util.List;

/**
 * One pool's capacity on this node.
 *
 * @param ready whether the pool is converged here (the plugin registers only then)
 */
public record PoolCapacity(
    String pool,
    PoolMode mode,
    String resourceName,
    long unitBytes,
    TopologyMode topology,
    boolean ready,
    List<NumaCapacity> numaNodes) {
  public PoolCapacity {
    numaNodes = List.copyOf(numaNodes);
  }
}
