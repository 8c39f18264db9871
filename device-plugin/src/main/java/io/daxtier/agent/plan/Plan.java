package io.daxtier.agent.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything one pass will do, each side effect a step: namespaces to provision (first: their
 * devices are planned once they exist), per-device steps, node-wide steps (erases, demotion), then
 * what new poison calls for. Empty when converged.
 */
public record Plan(
    List<Step> provision, List<DevicePlan> devices, List<Step> node, List<Step> poison) {
  public Plan {
    provision = List.copyOf(provision);
    devices = List.copyOf(devices);
    node = List.copyOf(node);
    poison = List.copyOf(poison);
  }

  public Plan(List<DevicePlan> devices, List<Step> node) {
    this(List.of(), devices, node, List.of());
  }

  public boolean isEmpty() {
    return provision.isEmpty()
        && devices.stream().allMatch(d -> d.steps().isEmpty())
        && node.isEmpty()
        && poison.isEmpty();
  }

  /** The same plan with these provisioning steps (run before it) and poison steps (after it). */
  public Plan with(List<Step> provisioned, List<Step> poisonSteps) {
    return new Plan(provisioned, devices, node, poisonSteps);
  }

  /** Human-readable lines, one per step, in the order they run. */
  public List<String> describe() {
    List<String> out = new ArrayList<>();
    for (Step s : provision) {
      out.add("provision: " + s.describe());
    }
    for (DevicePlan d : devices) {
      for (Step s : d.steps()) {
        out.add(d.device() + " [" + d.pool() + "]: " + s.describe());
      }
    }
    for (Step s : node) {
      out.add("node: " + s.describe());
    }
    for (Step s : poison) {
      out.add("poison: " + s.describe());
    }
    return out;
  }
}
