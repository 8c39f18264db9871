package io.daxtier.agent.dra;

import java.util.Objects;

/**
 * One device result of a ResourceClaim's {@code status.allocation.devices.results}, as the
 * scheduler wrote it.
 *
 * @param request the claim's request (or {@code request/subrequest}) the device serves
 * @param driver the DRA driver of the device
 * @param pool the ResourceSlice pool (this driver's: the node's name)
 * @param device the device's name in the pool
 * @param consumedBytes {@code consumedCapacity.memory} in bytes, null when the result has none
 * @param shareId the share of a device that allows multiple allocations, null otherwise
 */
public record AllocatedDevice(
    String request, String driver, String pool, String device, Long consumedBytes, String shareId) {
  public AllocatedDevice {
    Objects.requireNonNull(driver, "driver");
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(device, "device");
    request = request == null ? "" : request;
  }
}
