package io.daxtier.operator.render;

/**
 * A pool that loses on a node: over a device both select (to the pool holding it, or to an older
 * pool over a free device), or over a resource name both advertise with different units.
 *
 * @param owner the pool that has the subject instead; null when no pool may own the device (it is
 *     in use in the other mode, or held by a pool that no longer selects it)
 * @param reason why, in the ownership rule's words (e.g. {@code held by pool a})
 */
public record Conflict(
    String node, String pool, String owner, Kind kind, String subject, String reason) {
  /** What the two pools collide on. */
  public enum Kind {
    DeviceConflict,
    ResourceUnitConflict
  }

  /** A one-line explanation naming the node, the subject and why. */
  public String message() {
    return switch (kind) {
      case DeviceConflict -> "node " + node + ": device " + subject + " is " + reason;
      case ResourceUnitConflict -> "node " + node + ": resource " + subject + " is " + reason;
    };
  }
}
