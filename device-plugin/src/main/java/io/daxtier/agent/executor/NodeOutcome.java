package io.daxtier.agent.executor;

import io.daxtier.agent.plan.Step;

/** How one node-wide step ended, and what it did (for logs and {@code apply}'s report). */
public record NodeOutcome(Step step, Outcome outcome, String note) {

  public boolean done() {
    return outcome instanceof Outcome.Done;
  }
}
