package io.daxtier.operator.render;

import io.daxtier.api.ownership.Ownership;
import io.daxtier.api.rules.DeviceSelection;
import io.daxtier.api.rules.PoolDefaults;
import io.daxtier.api.rules.Quantities;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoolMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the conflicts on one node from its rendered pools (in precedence order) and the devices its
 * agent reported (pure). Who owns a device is {@link Ownership}'s answer, the rule the agent acts
 * on: a pool holding a device (reported Online or Releasing for it) keeps it whatever the ages;
 * precedence decides only over a free device. A resource name goes to the earlier pool.
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
                  node,
                  later.name,
                  earlier.name,
                  Conflict.Kind.ResourceUnitConflict,
                  name,
                  "advertised by pool " + earlier.name + " with another unit"));
          break;
        }
      }
    }
    if (devices != null) {
      for (DeviceStatus device : devices) {
        List<NodePool> selecting =
            ordered.stream()
                .filter(e -> DeviceSelection.selects(PoolDefaults.apply(e.spec).devices, device))
                .toList();
        if (selecting.isEmpty()) {
          continue;
        }
        // The agent's own rule, over the holder its status reports for the device.
        Ownership.Result owned =
            Ownership.decide(
                selecting.stream().map(ConflictFinder::candidate).toList(),
                Ownership.reported(device));
        for (Ownership.Outcome o : owned.outcomes()) {
          if (!o.owns()) {
            out.add(
                new Conflict(
                    node,
                    o.pool().name(),
                    o.owner(),
                    Conflict.Kind.DeviceConflict,
                    device.name,
                    o.message()));
          }
        }
      }
    }
    return out;
  }

  private static Ownership.Candidate candidate(NodePool entry) {
    return new Ownership.Candidate(
        entry.name,
        entry.uid,
        PoolDefaults.apply(entry.spec).mode == PoolMode.DevDax
            ? PoolMode.DevDax
            : PoolMode.SystemRam);
  }

  private static String resourceName(NodePool entry) {
    return PoolDefaults.apply(entry.spec).resource.name;
  }

  private static Optional<Long> unitBytes(NodePool entry) {
    return Quantities.bytes(PoolDefaults.apply(entry.spec).resource.unit);
  }
}
