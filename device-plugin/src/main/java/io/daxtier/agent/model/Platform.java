package io.daxtier.agent.model;

import io.daxtier.api.v1alpha1.DaxBusModel;

/** Kernel and CPU facts that decide what the node can do. */
public record Platform(
    String kernelVersion,
    DaxBusModel busModel,
    boolean kmemAvailable,
    long blockSize,
    AutoOnline autoOnline,
    Boolean demotionEnabled,
    long hardwareCorruptedBytes,
    McRecovery mcRecovery) {

  /** {@code auto_online_blocks} as read (null when unreadable). */
  public String autoOnlineBlocks() {
    return autoOnline.policy();
  }
}
