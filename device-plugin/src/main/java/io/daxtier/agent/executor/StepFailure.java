package io.daxtier.agent.executor;

import io.daxtier.agent.policy.Reason;

/** Internal: a step could not complete; carries the outcome for the device. */
final class StepFailure extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Outcome outcome;

  StepFailure(Reason reason, String message) {
    this(new Outcome.Stopped(reason, message));
  }

  StepFailure(Outcome outcome) {
    super(outcome.describe());
    this.outcome = outcome;
  }

  Outcome outcome() {
    return outcome;
  }
}
