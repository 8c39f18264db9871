package io.daxtier.agent.dra;

/** What the planner decided for one claim: prepare it with these devices, or refuse and why. */
sealed interface PrepareDecision {
  /** The claim may be prepared. */
  record Prepare(PreparedClaim claim) implements PrepareDecision {}

  /** The claim is refused; the message goes to the kubelet (and the pod's events). */
  record Refuse(String message) implements PrepareDecision {}
}
