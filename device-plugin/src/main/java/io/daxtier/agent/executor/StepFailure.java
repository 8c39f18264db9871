package io.daxtier.agent.executor;

/** Internal: a step could not complete; carries the outcome for the device. */
final class StepFailure extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Outcome outcome;

  StepFailure(Outcome outcome) {
    super(outcome.reason());
    this.outcome = outcome;
  }

  Outcome outcome() {
    return outcome;
  }
}
