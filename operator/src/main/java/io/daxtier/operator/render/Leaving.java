package io.daxtier.operator.render;

import io.daxtier.api.v1alpha1.NodePool;

/** A pool entry on a node that must be released, and why. */
public record Leaving(NodePool entry, Cause cause) {
  /** Why an entry leaves its node. */
  public enum Cause {
    /** The pool is being deleted (its finalizer holds it). */
    PoolDeleted,
    /** The pool no longer exists at all. */
    PoolGone,
    /** A new pool with the same name (another UID) replaced it. */
    PoolReplaced,
    /** The node no longer matches the pool's nodeSelector. */
    NodeUnselected
  }
}
