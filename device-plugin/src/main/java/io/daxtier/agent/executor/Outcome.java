package io.daxtier.agent.executor;

import io.daxtier.agent.policy.Reason;

/** How a device's (or a node step's) steps ended. */
public sealed interface Outcome {

  /** Every step done (or already done). */
  record Done() implements Outcome {}

  /**
   * Stopped short: blocked by a gate re-checked during execution, refused for now, still running,
   * or failed — the reason's kind says which, and what happens next.
   */
  record Stopped(Reason reason, String message) implements Outcome {}

  /** The reason's name, or "Done". */
  default String describe() {
    return this instanceof Stopped s ? s.reason().name() + ": " + s.message() : "Done";
  }
}
