package io.daxtier.agent.dra;

/**
 * The health the plugin reports for one device to the kubelet (which shows it in the pod's status,
 * KEP-4680).
 *
 * @param pool the ResourceSlice pool (the node's name)
 * @param device the device's name
 * @param health healthy, unhealthy (poison) or unknown (no longer published)
 * @param lastUpdatedSeconds Unix time of the last change of {@code health}
 * @param message why, for an unhealthy or unknown device; empty otherwise
 */
public record DeviceHealthState(
    String pool, String device, Health health, long lastUpdatedSeconds, String message) {
  /** The three states of the kubelet's health API. */
  public enum Health {
    UNKNOWN,
    HEALTHY,
    UNHEALTHY
  }
}
