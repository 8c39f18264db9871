package io.daxtier.api.v1alpha1;

/** Which kubelet API hands a pool's memory to pods. */
public enum ResourceApi {
  /** The device-plugin API (v1beta1): an extended resource counted in units. */
  DevicePlugin,
  /**
   * Dynamic Resource Allocation (resource.k8s.io/v1): ResourceSlices published by the agent, a
   * DeviceClass per pool whose extendedResourceName is the pool's resource name.
   */
  DRA
}
