package io.daxtier.agent.plan;

import java.util.List;

/** Everything one pass will do: per-device steps, then node-wide steps. Empty when converged. */
public record Plan(List<DevicePlan> devices, List<Step> node) {
  public Plan {
    devices = List.copyOf(devices);
    node = List.copyOf(node);
  }

  public boolean isEmpty() {
    return devices.stream().allMatch(d -> d.steps().isEmpty()) && node.isEmpty();
  }

  /** Human-readable lines, one per step. */
  public List<String> describe() {
    List<String> out = new java.util.ArrayList<>();
    for (DevicePlan d : devices) {
      for (Step s : d.steps()) {
        out.add(d.device() + " [" + d.pool() + "]: " + s.describe());
      }
    }
    for (Step s : node) {
      out.add("node: " + s.describe());
    }
    return out;
  }
}
