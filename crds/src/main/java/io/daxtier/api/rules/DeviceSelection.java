package io.daxtier.api.rules;

import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.MemoryType;
import java.util.List;
import java.util.Optional;

/**
 * Whether a pool's device selector picks a device: the one rule the agent acts on and the operator
 * reports conflicts by. Every given criterion must hold (AND).
 *
 * <ul>
 *   <li>An absent selector selects every device.
 *   <li>{@code daxDevices} and {@code regions}: absent <em>or empty</em> means any device (no
 *       restriction); otherwise the device's name (region) must be listed.
 *   <li>{@code memoryType}: absent or {@code any} means any.
 *   <li>{@code minSize}: the device must be at least that large; a device of unknown size is not
 *       selected. A minSize that is not a quantity restricts nothing: such a pool is out of bounds
 *       ({@link PoolRules}), the agent blocks it and the operator never renders it, and it keeps
 *       what the other criteria select so a typo never lets a held device go.
 * </ul>
 */
public final class DeviceSelection {
  private DeviceSelection() {}

  /**
   * Whether {@code sel} picks the device with these facts ({@code region} null when the device has
   * none, {@code size} null when unknown).
   */
  public static boolean selects(
      DeviceSelector sel, String name, String region, MemoryType memoryType, Long size) {
    if (sel == null) {
      return true;
    }
    if (restricts(sel.daxDevices) && !listed(sel.daxDevices, name)) {
      return false;
    }
    // A device without a region (hmem) is never in a region list.
    if (restricts(sel.regions) && !listed(sel.regions, region)) {
      return false;
    }
    if (sel.memoryType != null
        && sel.memoryType != MemoryType.ANY
        && sel.memoryType != memoryType) {
      return false;
    }
    if (sel.minSize == null) {
      return true;
    }
    Optional<Long> min = Quantities.bytes(sel.minSize);
    if (min.isEmpty()) {
      return true;
    }
    return size != null && size >= min.get();
  }

  /** Whether {@code sel} picks a device as its agent reported it in the PmemNode status. */
  public static boolean selects(DeviceSelector sel, DeviceStatus device) {
    return selects(sel, device.name, device.region, device.memoryType, device.size);
  }

  /** Null-safe membership (an immutable list throws on {@code contains(null)}). */
  private static boolean listed(List<String> names, String name) {
    return name != null && names.contains(name);
  }

  /** Whether a name list restricts the selection: an absent or empty list means any. */
  public static boolean restricts(List<String> names) {
    return names != null && !names.isEmpty();
  }
}
