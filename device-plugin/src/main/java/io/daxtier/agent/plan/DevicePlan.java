package io.daxtier.agent.plan;

import java.util.List;

/** The steps for one device, in order; a failed step stops the device's remaining steps. */
public record DevicePlan(String device, String pool, List<Step> steps) {
  public DevicePlan {
    steps = List.copyOf(steps);
  }
}
