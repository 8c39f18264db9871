package io.daxtier.api.rules;

import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PoolSpecLimits;
import io.daxtier.api.v1alpha1.ReleaseAction;
import java.util.ArrayList;
import java.util.List;

/**
 * Validation of a pool spec, once: the bounds of {@link PoolSpecLimits} (which the CRD also carries
 * as OpenAPI limits and CEL) and the rules between fields the agent and the operator both refuse a
 * pool for, each problem naming its field. The operator does not render a pool with problems; the
 * agent refuses a pool file with problems and blocks such a pool's devices before any kernel write.
 */
public final class PoolRules {
  /** The problem of an Erase release without the confirmation. */
  public static final String ERASE_UNCONFIRMED =
      "release.action Erase overwrites the pool's DIMMs: set spec.release.confirmErase: true"
          + " to confirm";

  private PoolRules() {}

  /** Every problem with {@code spec}, each naming its field; empty when the spec is valid. */
  public static List<String> problems(PmemPoolSpec spec) {
    List<String> errors = new ArrayList<>(PoolSpecLimits.check(spec));
    if (spec != null
        && spec.release != null
        && spec.release.action == ReleaseAction.Erase
        && !Boolean.TRUE.equals(spec.release.confirmErase)) {
      errors.add(ERASE_UNCONFIRMED);
    }
    return errors;
  }

  /** The problems with a pool's name ({@code metadata.name}) and then with its spec. */
  public static List<String> problems(String name, PmemPoolSpec spec) {
    List<String> errors = new ArrayList<>(PoolSpecLimits.checkName(name));
    errors.addAll(problems(spec));
    return errors;
  }
}
