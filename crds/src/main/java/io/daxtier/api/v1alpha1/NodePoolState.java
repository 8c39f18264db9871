package io.daxtier.api.v1alpha1;

/** Whether the operator wants a pool present on a node or released from it. */
public enum NodePoolState {
  Active,
  Release
}
