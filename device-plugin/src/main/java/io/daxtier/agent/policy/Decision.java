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

  /** A rule forbids converting: which rule (a reason of kind BLOCKED) and what was found. */
  record Block(Reason rule, String found) implements Decision {
    public Block {
      if (rule.kind() != Reason.Kind.BLOCKED) {
        throw new IllegalArgumentException(rule + " is not a rule");
      }
    }

    @Override
    public String reason() {
      return rule.name();
    }
  }

  /**
   * Nothing to do yet: a long step runs or a refused step is backing off, until {@code until};
   * {@code releasing}: its pool is releasing it (the direction shown while it waits).
   */
  record Wait(Reason why, String message, Instant until, boolean releasing) implements Decision {
    @Override
    public String reason() {
      return why.name();
    }
  }

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
