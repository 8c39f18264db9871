package io.daxtier.agent.model;

import io.daxtier.api.v1alpha1.Capability;
import java.util.List;

/** Machine-check recovery of the node's CPUs, with one line of evidence per fact read. */
public record McRecovery(Capability capability, List<String> evidence) {
  public McRecovery {
    evidence = List.copyOf(evidence);
  }
}
