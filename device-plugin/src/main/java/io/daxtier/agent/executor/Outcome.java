package io.daxtier.agent.executor;

/** How a device's steps ended. */
public sealed interface Outcome {

  String reason();

  /** Every step done (or already done). */
  record Done() implements Outcome {
    @Override
    public String reason() {
      return "Done";
    }
  }

  /** A step failed; the kernel said why. */
  record Failed(String reason, String message) implements Outcome {}

  /** A gate re-checked during execution blocked the device (e.g. bad blocks after clearing). */
  record Blocked(String reason, String message) implements Outcome {}

  /** Refused for now (EBUSY, ARS running): retried later with backoff, never forced. */
  record Retry(String reason, String message) implements Outcome {}
}
