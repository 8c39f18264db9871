package io.daxtier.agent.policy;

import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Sizes;
import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.MemoryType;

/** Whether a pool's device selector picks a device (every given criterion must hold). */
public final class DeviceSelection {
  private DeviceSelection() {}

  public static boolean selects(DeviceSelector sel, DaxDevice d) {
    if (sel == null) {
      return true;
    }
    if (sel.daxDevices != null && !sel.daxDevices.isEmpty() && !sel.daxDevices.contains(d.name())) {
      return false;
    }
    if (sel.regions != null && !sel.regions.isEmpty() && !sel.regions.contains(d.region())) {
      return false;
    }
    if (sel.memoryType != null
        && sel.memoryType != MemoryType.ANY
        && sel.memoryType != d.memoryType()) {
      return false;
    }
    if (sel.minSize == null) {
      return true;
    }
    try {
      return d.size() >= Sizes.parse(sel.minSize);
    } catch (IllegalArgumentException | ArithmeticException e) {
      // Only a pool outside PoolSpecLimits gets here, and its devices are blocked (InvalidSpec):
      // it keeps what the other criteria select, so a typo never lets a held device go.
      return true;
    }
  }
}
