package io.daxtier.operator.render;

/** What became of a pool's DeviceClass in one reconcile: what the pool's status reports. */
public sealed interface DeviceClassOutcome {
  /** Condition type on a DRA pool. */
  String CONDITION = "DeviceClassReady";

  /** A device-plugin pool (or one not rendered): no DeviceClass, no condition. */
  record None() implements DeviceClassOutcome {}

  /**
   * Status as it was (an invalid pool, whose class is left alone; a pool being deleted, whose
   * status keeps its shape until it is gone: JOSDK's finalizer removal patches from the status it
   * started with).
   */
  record Unchanged() implements DeviceClassOutcome {}

  /** The class exists as the pool wants it. */
  record Ready(String name) implements DeviceClassOutcome {}

  /** The API server does not serve resource.k8s.io/v1 DeviceClasses (Kubernetes before 1.34). */
  record Unavailable(String name) implements DeviceClassOutcome {}

  /** A DeviceClass of that name exists and is not this pool's: left alone. */
  record NameTaken(String name) implements DeviceClassOutcome {}
}
