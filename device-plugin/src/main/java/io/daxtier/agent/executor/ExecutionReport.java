package io.daxtier.agent.executor;

import java.util.List;
import java.util.Set;

/**
 * What one execution did: per-device outcomes, buses whose ARS completed, devices erased, and how
 * each node-wide step ended.
 */
public record ExecutionReport(
    List<DeviceOutcome> devices,
    Set<String> scrubbedBuses,
    Set<String> erased,
    List<NodeOutcome> node) {
  public ExecutionReport {
    devices = List.copyOf(devices);
    scrubbedBuses = Set.copyOf(scrubbedBuses);
    erased = Set.copyOf(erased);
    node = List.copyOf(node);
  }

  /** The same report with the provisioning steps' outcomes first among the node's. */
  public ExecutionReport withProvisioned(List<NodeOutcome> provisioned) {
    List<NodeOutcome> all = new java.util.ArrayList<>(provisioned);
    all.addAll(node);
    return new ExecutionReport(devices, scrubbedBuses, erased, all);
  }
}
