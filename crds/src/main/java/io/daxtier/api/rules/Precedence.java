package io.daxtier.api.rules;

import io.daxtier.api.v1alpha1.PmemPool;
import java.util.Comparator;

/**
 * The order pools take on a node: oldest first, then by name. The operator renders a node's pools
 * in this order and the agent receives them so; among pools that want a free device the earlier one
 * owns it, a device a pool holds stays with it ({@link io.daxtier.api.ownership.Ownership}).
 */
public final class Precedence {
  /** Oldest creation timestamp first (RFC 3339 sorts as text), then name. */
  public static final Comparator<PmemPool> POOLS =
      Comparator.comparing(
              (PmemPool p) ->
                  p.getMetadata().getCreationTimestamp() == null
                      ? ""
                      : p.getMetadata().getCreationTimestamp())
          .thenComparing(p -> p.getMetadata().getName());

  private Precedence() {}
}
