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

  /**
   * The key in {@link #resources()} for memory of the DRA pool {@code pool} held through a
   * ResourceClaim (not a resource name: it contains no '/' after a domain and cannot clash).
   */
  public static String draPool(String pool) {
    return "dra:" + pool;
  }

  /** Whether the pod holds {@code resource}. */
  public boolean uses(String resource) {
    return resources.contains(resource);
  }
}
