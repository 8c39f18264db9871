package io.daxtier.operator.plan;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The steps for one node, in order, and when to look at the node again (if at all). */
public record NodePlan(List<NodeStep> steps, Optional<Duration> requeue) {
  public NodePlan {
    steps = List.copyOf(steps);
  }

  /** The steps of type {@code type}, in order. */
  public <T extends NodeStep> List<T> steps(Class<T> type) {
    return steps.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
