package io.daxtier.operator.model;

import io.daxtier.api.v1alpha1.PmemPool;
import java.util.Comparator;

/**
 * The order pools take on a node: oldest first, then by name. Among pools that want a free device
 * the earlier one owns it; a device a pool holds stays with it ({@code Ownership}).
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
