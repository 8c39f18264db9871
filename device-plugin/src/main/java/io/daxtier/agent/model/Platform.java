package io.daxtier.agent.model;

import io.daxtier.api.v1alpha1.DaxBusModel;

/** Kernel and CPU facts that decide what the node can do. */
public record Platform(
    String kernelVersion,
    DaxBusModel busModel,
    boolean kmemAvailable,
    long blockSize,
    String autoOnlineBlocks,
    Boolean demotionEnabled,
    long hardwareCorruptedBytes,
    McRecovery mcRecovery) {

  /** Whether binding kmem leaves the new blocks offline (so the agent chooses the zone). */
  public boolean autoOnlineOff() {
    return autoOnlineBlocks == null
        || autoOnlineBlocks.isBlank()
        || autoOnlineBlocks.equals("offline");
  }
}
