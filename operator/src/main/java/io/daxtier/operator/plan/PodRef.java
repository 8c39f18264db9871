package io.daxtier.operator.plan;

import java.util.Set;

/**
 * A pod on a node as the release planner sees it: where it is, which extended resources its
 * containers request or limit (a positive amount), and whether it is already being deleted.
 */
public record PodRef(String namespace, String name, Set<String> resources, boolean terminating) {
  public PodRef {
    resources = Set.copyOf(resources);
  }

  /** Whether the pod holds {@code resource}. */
  public boolean uses(String resource) {
    return resources.contains(resource);
  }
}
