package io.daxtier.operator.render;

import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.ResourceSpec;
import io.daxtier.operator.model.DeviceSelectors;
import io.daxtier.operator.model.Quantities;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the conflicts on one node from its rendered pools (already in precedence order, so the
 * earlier entry always owns) and the devices its agent reported (pure).
 */
public final class ConflictFinder {
  private ConflictFinder() {}

  /** Every conflict on {@code node}, losers named once per subject. */
  public static List<Conflict> find(
      String node, List<NodePool> ordered, List<DeviceStatus> devices) {
    List<Conflict> out = new ArrayList<>();
    for (int j = 1; j < ordered.size(); j++) {
      NodePool later = ordered.get(j);
      for (int i = 0; i < j; i++) {
        NodePool earlier = ordered.get(i);
        String name = resourceName(earlier);
        if (name.equals(resourceName(later))
            && !Objects.equals(unitBytes(earlier), unitBytes(later))) {
          out.add(
              new Conflict(
                  node, later.name, earlier.name, Conflict.Kind.ResourceUnitConflict, name));
          break;
        }
      }
    }
    if (devices != null) {
      for (DeviceStatus device : devices) {
        String owner = null;
        for (NodePool entry : ordered) {
          if (entry.spec == null || !DeviceSelectors.matches(entry.spec.devices, device)) {
            continue;
          }
          if (owner == null) {
            owner = entry.name;
          } else {
            out.add(
                new Conflict(node, entry.name, owner, Conflict.Kind.DeviceConflict, device.name));
          }
        }
      }
    }
    return out;
  }

  private static String resourceName(NodePool entry) {
    ResourceSpec r = entry.spec == null ? null : entry.spec.resource;
    return r == null || r.name == null ? io.daxtier.api.v1alpha1.Api.DEFAULT_RESOURCE_NAME : r.name;
  }

  private static Optional<Long> unitBytes(NodePool entry) {
    ResourceSpec r = entry.spec == null ? null : entry.spec.resource;
    return Quantities.bytes(
        r == null || r.unit == null ? io.daxtier.api.v1alpha1.Api.DEFAULT_RESOURCE_UNIT : r.unit);
  }
}
