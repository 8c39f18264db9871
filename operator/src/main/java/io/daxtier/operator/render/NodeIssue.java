package io.daxtier.operator.render;

/** Why a node is not simply fine for a pool; the pool emits an Event when one appears. */
public record NodeIssue(Kind kind, String reason, String message) {
  /** The kinds of trouble a node can have with a pool. */
  public enum Kind {
    Blocked,
    Degraded,
    Conflict,
    ReleaseStuck
  }
}
