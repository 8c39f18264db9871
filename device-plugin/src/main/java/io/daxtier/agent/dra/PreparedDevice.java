package io.daxtier.agent.dra;

import io.daxtier.api.v1alpha1.PoolMode;

/**
 * One device of a prepared claim, as recorded in the checkpoint and written to the claim's CDI
 * spec.
 *
 * @param request the claim's request the device serves
 * @param pool the ResourceSlice pool (the node's name)
 * @param device the device's name in the pool
 * @param mode SystemRam or DevDax
 * @param numaNode the memory's NUMA node
 * @param bytes SystemRam: the consumed capacity; DevDax: the device's size
 * @param devDaxPath DevDax: the character device; SystemRam: null
 * @param cdiName the CDI device's name in the claim's spec (unique across claims)
 */
public record PreparedDevice(
    String request,
    String pool,
    String device,
    PoolMode mode,
    int numaNode,
    long bytes,
    String devDaxPath,
    String cdiName) {

  /** The fully qualified CDI device id the kubelet hands to the container runtime. */
  public String cdiId() {
    return CdiSpec.KIND + "=" + cdiName;
  }
}
