package io.daxtier.operator.cluster;

/**
 * An API write refused by the {@link Leadership} fence: this instance does not (or no longer) hold
 * the Lease, so the write was not sent. The reconcile that tried it ends here; the new leader does
 * the work.
 */
public final class NotLeader extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public NotLeader(String reason, String write) {
    super(write + " refused: not the leader (" + reason + ")", null, false, false);
    this.reason = reason;
  }

  /** Why: Standby (never led), LeaseLost, LeaseTaken or RenewalOverdue. */
  public String reason() {
    return reason;
  }
}
