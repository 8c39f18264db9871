package io.daxtier.agent.plugin.allocation;

import io.daxtier.api.v1alpha1.PoolMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The devices one resource advertises, in ListAndWatch order, indexed by id. */
public final class DeviceList {
  private final String resourceName;
  private final String pool;
  private final PoolMode mode;
  private final long unitBytes;
  private final List<PluginDevice> devices;
  private final Map<String, PluginDevice> byId;

  public DeviceList(
      String resourceName, String pool, PoolMode mode, long unitBytes, List<PluginDevice> devices) {
    this.resourceName = Objects.requireNonNull(resourceName, "resourceName");
    this.pool = Objects.requireNonNull(pool, "pool");
    this.mode = Objects.requireNonNull(mode, "mode");
    this.unitBytes = unitBytes;
    this.devices = List.copyOf(devices);
    Map<String, PluginDevice> index = new LinkedHashMap<>();
    for (PluginDevice d : this.devices) {
      if (index.put(d.id(), d) != null) {
        throw new IllegalArgumentException("duplicate device id " + d.id() + " in " + resourceName);
      }
    }
    this.byId = Map.copyOf(index);
  }

  public String resourceName() {
    return resourceName;
  }

  public String pool() {
    return pool;
  }

  public PoolMode mode() {
    return mode;
  }

  public long unitBytes() {
    return unitBytes;
  }

  public List<PluginDevice> devices() {
    return devices;
  }

  public Optional<PluginDevice> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Devices advertised: what the kubelet reports as capacity. */
  public int capacity() {
    return devices.size();
  }

  /** Healthy devices: what the kubelet reports as allocatable. */
  public int healthyCount() {
    return (int) devices.stream().filter(PluginDevice::healthy).count();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceList other
        && unitBytes == other.unitBytes
        && resourceName.equals(other.resourceName)
        && pool.equals(other.pool)
        && mode == other.mode
        && devices.equals(other.devices);
  }

  @Override
  public int hashCode() {
    return Objects.hash(resourceName, pool, mode, unitBytes, devices);
  }

  @Override
  public String toString() {
    return resourceName + "[" + healthyCount() + "/" + capacity() + " healthy]";
  }
}
