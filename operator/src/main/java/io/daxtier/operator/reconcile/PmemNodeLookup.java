package io.daxtier.operator.reconcile;

import io.daxtier.api.v1alpha1.PmemNode;
import java.util.Optional;

/**
 * Read access to the PmemNodes the operator caches: what the pool reconciler needs from the node
 * renderer, which owns the cache.
 */
public interface PmemNodeLookup {
  /** Whether the cache is started (synced); lookups before that may miss. */
  boolean ready();

  /** The cached PmemNode of {@code node}. */
  Optional<PmemNode> pmemNode(String node);
}
