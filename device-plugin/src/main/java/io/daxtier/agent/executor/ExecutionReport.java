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
}
