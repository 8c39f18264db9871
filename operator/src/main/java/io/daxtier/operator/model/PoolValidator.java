package io.daxtier.operator.model;

import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PoolSpecLimits;
import io.daxtier.api.v1alpha1.ReleaseAction;
import java.util.List;
import java.util.Optional;

/**
 * Checks the CRD schema cannot express (or that an API server without CEL lets through). A pool
 * that fails is not rendered onto any node; its status says why.
 */
public final class PoolValidator {
  private PoolValidator() {}

  /** A human-readable problem, or empty when the pool can be rendered. */
  public static Optional<String> validate(PmemPool pool) {
    PmemPoolSpec spec = pool.getSpec();
    if (spec == null) {
      return Optional.of("spec is missing");
    }
    // The bounds the CRD enforces with OpenAPI limits and CEL, checked again for an API server
    // that lets them through: the agent checks the same function before any kernel write.
    List<String> limits = PoolSpecLimits.check(spec);
    if (!limits.isEmpty()) {
      return Optional.of(String.join("; ", limits));
    }
    if (spec.resource != null && spec.resource.unit != null) {
      Optional<Long> unit = Quantities.bytes(spec.resource.unit);
      if (unit.isEmpty() || unit.get() < (128L << 20)) {
        return Optional.of("resource.unit must be a quantity of at least 128Mi");
      }
    }
    if (spec.devices != null
        && spec.devices.minSize != null
        && Quantities.bytes(spec.devices.minSize).isEmpty()) {
      return Optional.of("devices.minSize is not a quantity: " + spec.devices.minSize);
    }
    if (spec.release != null) {
      if (spec.release.action == ReleaseAction.Erase
          && !Boolean.TRUE.equals(spec.release.confirmErase)) {
        return Optional.of("release.action Erase needs release.confirmErase: true");
      }
      if (spec.release.drainTimeout != null
          && GoDurations.parse(spec.release.drainTimeout).isEmpty()) {
        return Optional.of("release.drainTimeout is not a duration: " + spec.release.drainTimeout);
      }
    }
    return Optional.empty();
  }
}
