package io.daxtier.agent.model;

import io.daxtier.api.v1alpha1.Zone;

/** One memory hotplug block ({@code /sys/devices/system/memory/memoryN}). */
public record MemoryBlock(long index, int node, String state, String validZones) {
  public boolean online() {
    return "online".equals(state);
  }

  /** The zone of an online block (from valid_zones), or null. */
  public Zone zone() {
    if (!online() || validZones == null) {
      return null;
    }
    String z = validZones.trim();
    return z.startsWith("Movable") ? Zone.Movable : z.startsWith("Normal") ? Zone.Normal : null;
  }
}
