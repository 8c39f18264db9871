package io.daxtier.agent.reconcile;

import io.daxtier.agent.policy.Reason;
import io.daxtier.api.v1alpha1.DevicePhase;

/**
 * Where one device ended after a pass: its phase and machine-readable reason; {@code stop} is that
 * reason when the device stopped short (blocked, waiting, in progress or failed), else null.
 */
public record DeviceResult(
    String device, String pool, DevicePhase phase, String reason, String message, Reason stop) {

  /** A device that did not stop short (converged, converting, released, not selected). */
  public DeviceResult(
      String device, String pool, DevicePhase phase, String reason, String message) {
    this(device, pool, phase, reason, message, null);
  }

  /** A device stopped by {@code why}: its phase is the reason's. */
  static DeviceResult stopped(
      String device, String pool, Reason why, String message, boolean releasing) {
    return new DeviceResult(device, pool, why.phase(releasing), why.name(), message, why);
  }
}
