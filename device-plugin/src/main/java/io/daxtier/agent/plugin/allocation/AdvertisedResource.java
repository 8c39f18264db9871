package io.daxtier.agent.plugin.allocation;

import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.TopologyMode;
import java.util.List;
import java.util.Objects;

/**
 * One extended resource the node agent wants advertised to the kubelet: the whole input of the
 * device plugin. SystemRam resources carry per-NUMA-node capacity, DevDax resources the char
 * devices; the other list is empty.
 *
 * @param resourceName extended resource name, e.g. {@code daxtier.io/pmem}
 * @param pool the PmemPool the resource belongs to
 * @param mode SystemRam (units of onlined memory) or DevDax (one device per /dev/daxX.Y)
 * @param unitBytes bytes per advertised unit (SystemRam; ignored for DevDax)
 * @param topology what TopologyInfo each device names
 * @param numaNodes SystemRam capacity per NUMA node
 * @param daxDevices DevDax char devices
 */
public record AdvertisedResource(
    String resourceName,
    String pool,
    PoolMode mode,
    long unitBytes,
    TopologyMode topology,
    List<NumaCapacity> numaNodes,
    List<DaxCharDevice> daxDevices) {

  public AdvertisedResource {
    Objects.requireNonNull(resourceName, "resourceName");
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(mode, "mode");
    topology = topology == null ? TopologyMode.NumaNode : topology;
    numaNodes = List.copyOf(numaNodes == null ? List.of() : numaNodes);
    daxDevices = List.copyOf(daxDevices == null ? List.of() : daxDevices);
    if (resourceName.isBlank()) {
      throw new IllegalArgumentException("resourceName must not be blank");
    }
    if (mode == PoolMode.SystemRam && unitBytes <= 0) {
      throw new IllegalArgumentException("unitBytes must be positive, was " + unitBytes);
    }
    if (numaNodes.stream().map(NumaCapacity::node).distinct().count() != numaNodes.size()) {
      throw new IllegalArgumentException("NUMA node listed twice for " + resourceName);
    }
  }

  /** A SystemRam resource: units of onlined memory per NUMA node. */
  public static AdvertisedResource systemRam(
      String resourceName,
      String pool,
      long unitBytes,
      TopologyMode topology,
      List<NumaCapacity> numaNodes) {
    return new AdvertisedResource(
        resourceName, pool, PoolMode.SystemRam, unitBytes, topology, numaNodes, List.of());
  }

  /** A DevDax resource: one device per char device. */
  public static AdvertisedResource devDax(
      String resourceName, String pool, TopologyMode topology, List<DaxCharDevice> devices) {
    return new AdvertisedResource(
        resourceName, pool, PoolMode.DevDax, 0, topology, List.of(), devices);
  }
}
