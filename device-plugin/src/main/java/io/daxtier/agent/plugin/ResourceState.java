package io.daxtier.agent.plugin;

import io.daxtier.api.v1alpha1.ResourceStatus;

/** What the plugin currently advertises for one resource, for PmemNode status. */
public record ResourceState(
    String resourceName, String pool, int capacity, int healthy, boolean registered) {

  /** The API's status entry for this resource. */
  public ResourceStatus toStatus() {
    ResourceStatus s = new ResourceStatus();
    s.name = resourceName;
    s.pool = pool;
    s.capacity = capacity;
    s.healthy = healthy;
    s.registered = registered;
    return s;
  }
}
