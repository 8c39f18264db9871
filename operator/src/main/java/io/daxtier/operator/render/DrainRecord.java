package io.daxtier.operator.render;

import java.time.Instant;

/**
 * The operator's memory of one pool's drain on one node, kept in a PmemNode annotation so that it
 * survives operator restarts: when the drain started and, if it was given up, when.
 */
public record DrainRecord(Instant started, Instant abandoned) {
  /** A drain that started at {@code started} and is still going. */
  public static DrainRecord startedAt(Instant started) {
    return new DrainRecord(started, null);
  }

  /** Whether the drain was given up (it then no longer holds the node cordoned or a slot). */
  public boolean isAbandoned() {
    return abandoned != null;
  }

  /** This drain, given up at {@code when}. */
  public DrainRecord abandonedAt(Instant when) {
    return new DrainRecord(started, when);
  }
}
