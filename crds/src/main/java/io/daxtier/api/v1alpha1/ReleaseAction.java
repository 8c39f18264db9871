package io.daxtier.api.v1alpha1;

/** What happens to a node's memory when the pool is deleted or the node leaves it. */
public enum ReleaseAction {
  Keep,
  Offline,
  Erase
}
