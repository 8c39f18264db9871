package io.daxtier.operator.plan;

import java.time.Instant;

/** What to do next for one pool entry that is leaving its node. */
public sealed interface ReleaseStep {
  /** Set the entry's state to Release: the agent then applies the release action. */
  record MarkRelease() implements ReleaseStep {}

  /** The entry is in state Release; wait for the agent to report Released. */
  record AwaitAgent() implements ReleaseStep {}

  /** Take a release slot, record the drain, cordon the node and evict the pods. */
  record StartDrain() implements ReleaseStep {}

  /** Pods still hold the resource: evict them (again) and look later. */
  record ContinueDrain(int podsLeft) implements ReleaseStep {}

  /** The drain ran past drainTimeout: give up, uncordon, keep the entry Active. */
  record AbandonDrain(int podsLeft) implements ReleaseStep {}

  /** maxUnavailable nodes are already releasing this pool. */
  record WaitForSlot() implements ReleaseStep {}

  /** An abandoned drain is retried only after a pause as long as drainTimeout. */
  record DrainBackoff(Instant retryAt) implements ReleaseStep {}
}
