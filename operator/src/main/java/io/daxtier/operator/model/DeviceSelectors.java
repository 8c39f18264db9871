package io.daxtier.operator.model;

import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.MemoryType;

/** Evaluates a pool's device selector against one device an agent reported (all criteria AND). */
public final class DeviceSelectors {
  private DeviceSelectors() {}

  /** Whether {@code device} belongs to a pool with {@code selector}. */
  public static boolean matches(DeviceSelector selector, DeviceStatus device) {
    if (selector == null) {
      return true;
    }
    if (selector.daxDevices != null && !selector.daxDevices.contains(device.name)) {
      return false;
    }
    if (selector.regions != null && !selector.regions.contains(device.region)) {
      return false;
    }
    if (selector.memoryType != null
        && selector.memoryType != MemoryType.ANY
        && selector.memoryType != device.memoryType) {
      return false;
    }
    if (selector.minSize != null) {
      long min = Quantities.bytes(selector.minSize).orElse(Long.MAX_VALUE);
      return device.size != null && device.size >= min;
    }
    return true;
  }
}
