package io.daxtier.operator.plan;

import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.operator.render.DrainRecord;
import java.util.List;
import java.util.Map;

/** One side effect the node reconciler applies, in the order the plan lists them. */
public sealed interface NodeStep {
  /**
   * Take a release slot of {@code pool} for this node (at most {@code maxUnavailable} nodes hold
   * one). The plan assumed it is free; if another node took it meanwhile the rest of the plan is
   * dropped and the node is planned again.
   */
  record AcquireSlot(String pool, int maxUnavailable) implements NodeStep {}

  /** Make the PmemNode carry {@code entries} and {@code drains} (written only if it differs). */
  record WritePmemNode(List<NodePool> entries, Map<String, DrainRecord> drains)
      implements NodeStep {
    public WritePmemNode {
      entries = List.copyOf(entries);
      drains = Map.copyOf(drains);
    }
  }

  /** Give this node's release slot of {@code pool} back. */
  record ReleaseSlot(String pool) implements NodeStep {}

  /** Record an Event on {@code pool}. */
  record PoolEvent(String pool, boolean warning, String reason, String message)
      implements NodeStep {}

  /** Cordon the node for a release drain. */
  record Cordon() implements NodeStep {}

  /** Lift daxtier's cordon. */
  record Uncordon() implements NodeStep {}

  /** Evict {@code pod}, which holds the resource of {@code pool}, through the Eviction API. */
  record Evict(String pool, PodRef pod) implements NodeStep {}

  /** Set ({@code true}) or remove the node's pmem-ready label. */
  record ReadyLabel(boolean ready) implements NodeStep {}
}
