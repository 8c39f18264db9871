package io.daxtier.operator.plan;

import io.daxtier.api.rules.GoDurations;
import io.daxtier.api.rules.PoolDefaults;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.operator.render.DrainRecord;
import java.time.Duration;
import java.time.Instant;

/**
 * Decides the next release step for one leaving entry (pure). {@code Keep} releases at once (no
 * memory goes away); {@code Offline} and {@code Erase} first drain the pods that hold the resource.
 */
public final class ReleasePlanner {
  /** drainTimeout when the entry names none (the API default). */
  public static final Duration DEFAULT_DRAIN_TIMEOUT =
      GoDurations.parseOrThrow(PoolDefaults.DRAIN_TIMEOUT);

  private ReleasePlanner() {}

  /**
   * The next step.
   *
   * @param entry the leaving entry as the node carries it
   * @param drain the drain record for the entry's pool on this node, or null
   * @param podsLeft pods on the node still holding the pool's resource (only read while draining)
   * @param now the current time
   */
  public static ReleaseStep plan(NodePool entry, DrainRecord drain, int podsLeft, Instant now) {
    if (entry.state == NodePoolState.Release) {
      return new ReleaseStep.AwaitAgent();
    }
    if (actionOf(entry) == ReleaseAction.Keep) {
      return new ReleaseStep.MarkRelease();
    }
    Duration timeout = drainTimeout(entry);
    if (drain == null) {
      return new ReleaseStep.StartDrain();
    }
    if (drain.isAbandoned()) {
      Instant retryAt = drain.abandoned().plus(timeout);
      return now.isBefore(retryAt)
          ? new ReleaseStep.DrainBackoff(retryAt)
          : new ReleaseStep.StartDrain();
    }
    if (podsLeft == 0) {
      return new ReleaseStep.MarkRelease();
    }
    if (!now.isBefore(drain.started().plus(timeout))) {
      return new ReleaseStep.AbandonDrain(podsLeft);
    }
    return new ReleaseStep.ContinueDrain(podsLeft);
  }

  /** Whether releasing this entry needs its pods drained first. */
  public static boolean needsDrain(NodePool entry) {
    return actionOf(entry) != ReleaseAction.Keep;
  }

  /** The entry's release action (API default Keep). */
  public static ReleaseAction actionOf(NodePool entry) {
    return PoolDefaults.apply(entry.spec).release.action;
  }

  /** The entry's drainTimeout (API default 10m). */
  public static Duration drainTimeout(NodePool entry) {
    return GoDurations.parse(PoolDefaults.apply(entry.spec).release.drainTimeout)
        .orElse(DEFAULT_DRAIN_TIMEOUT);
  }

  /** The extended resource the entry's devices are advertised as (API default). */
  public static String resourceOf(NodePool entry) {
    return PoolDefaults.apply(entry.spec).resource.name;
  }

  /** The entry's maxUnavailable (API default 1). */
  public static int maxUnavailable(NodePool entry) {
    return Math.max(1, PoolDefaults.apply(entry.spec).release.maxUnavailable);
  }
}
