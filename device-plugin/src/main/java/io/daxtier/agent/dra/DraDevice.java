package io.daxtier.agent.dra;

import io.daxtier.api.v1alpha1.PoolMode;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One device the DRA driver publishes for its node, as last observed: what a ResourceSlice lists
 * and what a prepare request is checked against.
 *
 * @param name the device name ({@link DraNames})
 * @param pool the daxtier pool (PmemPool name)
 * @param mode SystemRam (a kmem NUMA node's memory, shared by claims up to its capacity) or DevDax
 *     (one character device, allocated whole)
 * @param resourceName the pool's extended resource name (the DeviceClass's extendedResourceName)
 * @param unitBytes the pool's unit: the default and step of a SystemRam capacity request
 * @param numaNode the memory's NUMA node (SystemRam: the kmem node; DevDax: the region's target)
 * @param nearestCpuNode the nearest NUMA node with CPUs
 * @param capacityBytes SystemRam: the healthy online bytes; DevDax: the device's size
 * @param devDaxPath DevDax: the character device, e.g. {@code /dev/dax1.0}; SystemRam: null
 * @param healthy false while the device has poison not yet dealt with (the slice taints it)
 * @param attributes the device's attributes by name (String, Long, Boolean values; names without a
 *     domain belong to {@link DraNames#DRIVER})
 */
public record DraDevice(
    String name,
    String pool,
    PoolMode mode,
    String resourceName,
    long unitBytes,
    int numaNode,
    int nearestCpuNode,
    long capacityBytes,
    String devDaxPath,
    boolean healthy,
    Map<String, Object> attributes) {
  public DraDevice {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(mode, "mode");
    if (!DraNames.isDeviceName(name)) {
      throw new IllegalArgumentException("not a DNS label: " + name);
    }
    if (mode == PoolMode.DevDax && devDaxPath == null) {
      throw new IllegalArgumentException("a DevDax device needs its character device: " + name);
    }
    attributes = Map.copyOf(attributes);
  }

  /** The character device, for a DevDax device. */
  public Optional<String> devDax() {
    return Optional.ofNullable(devDaxPath);
  }
}
