package io.daxtier.agent.policy;

import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.Zone;
import java.time.Instant;
import java.util.List;

/** What the policy decided for one device. */
public sealed interface Decision
    permits Decision.Convert,
        Decision.Keep,
        Decision.Block,
        Decision.Wait,
        Decision.Release,
        Decision.Untouched {

  /** Machine-readable reason. */
  String reason();

  /** Bring the device to the pool's mode (SystemRam: scrub, clear, bind kmem, online). */
  record Convert(
      PoolMode mode,
      Zone zone,
      boolean scrub,
      boolean clearErrors,
      int maxBadBlocks,
      List<String> warnings)
      implements Decision {
    public Convert {
      warnings = List.copyOf(warnings);
    }

    @Override
    public String reason() {
      return "Converting";
    }
  }

  /** Already where the pool wants it (converged, or adopted as found). */
  record Keep(String reason, List<String> warnings) implements Decision {
    public Keep {
      warnings = List.copyOf(warnings);
    }
  }

  /** A rule forbids converting: which rule and what was found. */
  record Block(Rule rule, String found) implements Decision {
    @Override
    public String reason() {
      return rule.name();
    }
  }

  /** Nothing to do yet: an ARS is running or a refused offline is backing off. */
  record Wait(String reason, String message, Instant until) implements Decision {}

  /** The pool releases the device: keep it, offline it, or offline and erase it. */
  record Release(ReleaseAction action, boolean erased) implements Decision {
    @Override
    public String reason() {
      return "Release" + action.name();
    }
  }

  /** No pool selects the device: it is never touched. */
  record Untouched() implements Decision {
    @Override
    public String reason() {
      return "NotSelected";
    }
  }
}
