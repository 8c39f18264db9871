package io.daxtier.api.v1alpha1;

/** Lifecycle of a pool, on one node or cluster-wide. */
public enum PoolPhase {
  Pending,
  Converging,
  Ready,
  Blocked,
  Degraded,
  Releasing,
  Released,
  Failed,
  /** Cluster-wide only: the pool's nodeSelector matches no node (never on a node). */
  NoMatchingNodes
}
