package io.daxtier.api.v1alpha1;

/** Zone memory blocks are onlined into. */
public enum Zone {
  Movable,
  Normal
}
