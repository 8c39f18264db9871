package io.daxtier.operator.model;

import io.daxtier.api.rules.PoolRules;
import io.daxtier.api.v1alpha1.PmemPool;
import java.util.List;
import java.util.Optional;

/**
 * Whether a pool can be rendered: the shared {@link PoolRules} (the bounds the CRD also enforces,
 * checked again for an API server that lets them through; the agent checks the same rules). A pool
 * that fails is not rendered onto any node; its status says why.
 */
public final class PoolValidator {
  private PoolValidator() {}

  /** A human-readable problem, or empty when the pool can be rendered. */
  public static Optional<String> validate(PmemPool pool) {
    if (pool.getSpec() == null) {
      return Optional.of("spec is missing");
    }
    List<String> problems = PoolRules.problems(pool.getSpec());
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }
}
