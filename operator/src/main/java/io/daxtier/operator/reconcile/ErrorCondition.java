package io.daxtier.operator.reconcile;

import io.daxtier.api.v1alpha1.PmemPoolStatus;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;

/**
 * A pool status that also reports an unexpected reconcile failure (pure): condition {@value #TYPE}
 * True with reason {@value #REASON} and the failure as message, on top of the last computed status;
 * phase {@code Failed} only while no phase was ever computed. The next successful reconcile
 * recomputes the conditions and so drops it.
 */
final class ErrorCondition {
  /** Condition type. */
  static final String TYPE = "ReconcileError";

  /** Condition reason. */
  static final String REASON = "ReconcileFailed";

  private ErrorCondition() {}

  /** {@code previous} (may be null) with the error condition set to {@code message}. */
  static PmemPoolStatus with(
      PmemPoolStatus previous, Long generation, String message, Instant now) {
    PmemPoolStatus s = copy(previous);
    String since = now.toString();
    for (Condition c : s.conditions) {
      if (TYPE.equals(c.getType()) && "True".equals(c.getStatus())) {
        since = c.getLastTransitionTime();
      }
    }
    s.conditions.removeIf(c -> TYPE.equals(c.getType()));
    Condition c = new Condition();
    c.setType(TYPE);
    c.setStatus("True");
    c.setReason(REASON);
    c.setMessage(message);
    c.setObservedGeneration(generation);
    c.setLastTransitionTime(since);
    s.conditions.add(c);
    if (s.phase == null) {
      s.phase = PoolPhase.Failed;
    }
    return s;
  }

  private static PmemPoolStatus copy(PmemPoolStatus p) {
    PmemPoolStatus s = new PmemPoolStatus();
    if (p == null) {
      return s;
    }
    s.observedGeneration = p.observedGeneration;
    s.phase = p.phase;
    s.conditions = new ArrayList<>();
    if (p.conditions != null) {
      p.conditions.forEach(
          c ->
              s.conditions.add(
                  new Condition(
                      c.getLastTransitionTime(),
                      c.getMessage(),
                      c.getObservedGeneration(),
                      c.getReason(),
                      c.getStatus(),
                      c.getType())));
    }
    s.matchedNodes = p.matchedNodes;
    s.readyNodes = p.readyNodes;
    s.blockedNodes = p.blockedNodes;
    s.onlineCapacity = p.onlineCapacity;
    s.onlineBytes = p.onlineBytes;
    s.healthyBytes = p.healthyBytes;
    s.blockedNodeList =
        p.blockedNodeList == null ? new ArrayList<>() : new ArrayList<>(p.blockedNodeList);
    return s;
  }
}
