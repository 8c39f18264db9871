package io.daxtier.api.v1alpha1;

/** Lifecycle of one dax device on a node. */
public enum DevicePhase {
  Discovered,
  Scrubbing,
  Blocked,
  Converting,
  Online,
  Releasing,
  Released,
  Conflict,
  Failed
}
