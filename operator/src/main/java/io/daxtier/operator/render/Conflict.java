package io.daxtier.operator.render;

/**
 * A pool that loses on a node to an earlier one ({@code owner}): over a device both select, or over
 * a resource name both advertise with different units.
 */
public record Conflict(String node, String pool, String owner, Kind kind, String subject) {
  /** What the two pools collide on. */
  public enum Kind {
    DeviceConflict,
    ResourceUnitConflict
  }

  /** A one-line explanation naming the node, the subject and the owner. */
  public String message() {
    return switch (kind) {
      case DeviceConflict -> "node " + node + ": device " + subject + " is owned by pool " + owner;
      case ResourceUnitConflict ->
          "node "
              + node
              + ": resource "
              + subject
              + " is advertised by pool "
              + owner
              + " with another unit";
    };
  }
}
