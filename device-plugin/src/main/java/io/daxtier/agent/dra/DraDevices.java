package io.daxtier.agent.dra;

import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.state.NumaCapacity;
import io.daxtier.agent.state.PoolCapacity;
import io.daxtier.api.v1alpha1.Capability;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ResourceApi;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The devices the node publishes for its DRA pools, from one observed {@link NodeState} (pure).
 *
 * <ul>
 *   <li>SystemRam: one device per (pool, kmem NUMA node) with memory online; its capacity is the
 *       healthy online bytes (a node with less than one healthy unit is not published: no request
 *       could fit).
 *   <li>DevDax: one device per character device, its capacity the device's size.
 * </ul>
 *
 * <p>Like the device plugin, a pool is first published once it has converged on the node, then
 * follows its capacity until it leaves the state or has nothing online. Devices come sorted by
 * name; a device name two pools would share (a pool name shortened to the same label) is published
 * for the first pool only.
 */
public final class DraDevices {
  private DraDevices() {}

  /** The devices of the state's converged DRA pools. */
  public static List<DraDevice> from(NodeState state) {
    return from(state, Set.of());
  }

  /**
   * The devices of the state's DRA pools that are converged or were published before ({@code
   * publishedBefore}: pool names).
   */
  public static List<DraDevice> from(NodeState state, Set<String> publishedBefore) {
    Map<String, DraDevice> out = new LinkedHashMap<>();
    Set<Integer> cpuNodes = new HashSet<>(state.cpuNodes());
    boolean mce = state.mceRecovery() == Capability.Supported;
    for (PoolCapacity pool : state.pools()) {
      if (pool.api() != ResourceApi.DRA
          || !(pool.ready() || publishedBefore.contains(pool.pool()))) {
        continue;
      }
      for (NumaCapacity n : pool.numaNodes()) {
        if (pool.mode() == PoolMode.DevDax) {
          for (String path : n.devDaxPaths()) {
            DraDevice d =
                device(pool, n, DraNames.devDaxDevice(path), n.onlineBytes(), path, cpuNodes, mce);
            out.putIfAbsent(d.name(), d);
          }
        } else if (n.onlineBytes() > 0 && n.healthyBytes() >= Math.max(1, pool.unitBytes())) {
          // Less than one healthy unit cannot satisfy any request (validRange min = unit).
          DraDevice d =
              device(
                  pool,
                  n,
                  DraNames.systemRamDevice(pool.pool(), n.node()),
                  n.healthyBytes(),
                  null,
                  cpuNodes,
                  mce);
          out.putIfAbsent(d.name(), d);
        }
      }
    }
    List<DraDevice> sorted = new ArrayList<>(out.values());
    sorted.sort(Comparator.comparing(DraDevice::name));
    return List.copyOf(sorted);
  }

  private static DraDevice device(
      PoolCapacity pool,
      NumaCapacity n,
      String name,
      long capacity,
      String devDaxPath,
      Set<Integer> cpuNodes,
      boolean mce) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put(DraNames.ATTR_NUMA_NODE, (long) n.node());
    attrs.put(DraNames.ATTR_POOL, pool.pool());
    attrs.put(DraNames.ATTR_MODE, pool.mode().name());
    if (n.memoryType() != null) {
      attrs.put(DraNames.ATTR_MEMORY_TYPE, n.memoryType().wire());
    }
    if (n.memoryTier() != null) {
      attrs.put(DraNames.ATTR_MEMORY_TIER, (long) n.memoryTier());
    }
    if (pool.mode() == PoolMode.SystemRam && n.zone() != null) {
      attrs.put(DraNames.ATTR_ZONE, n.zone().name());
    }
    attrs.put(DraNames.ATTR_ENCRYPTED, n.encrypted());
    attrs.put(DraNames.ATTR_MCE_RECOVERY, mce);
    if (!cpuNodes.contains(n.node()) && n.nearestCpuNode() >= 0 && n.nearestCpuNode() != n.node()) {
      attrs.put(DraNames.ATTR_NEAREST_CPU_NODE, (long) n.nearestCpuNode());
    }
    return new DraDevice(
        name,
        pool.pool(),
        pool.mode(),
        pool.resourceName(),
        pool.unitBytes(),
        n.node(),
        n.nearestCpuNode(),
        capacity,
        devDaxPath,
        n.unhealthy().isEmpty(),
        attrs);
  }
}
