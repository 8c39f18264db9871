package io.daxtier.agent.plugin.allocation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Chooses which of the available devices a container should get: every must-include id first, then
 * units from the nodes already chosen, then from as few further NUMA nodes as possible, preferring
 * the node with the most free units. Within a node the lowest ids go first, so allocations are
 * deterministic and stay packed. Pure.
 */
public final class PreferredAllocator {
  private PreferredAllocator() {}

  /**
   * The preferred ids, {@code size} of them when enough healthy known devices are available.
   * Unknown and unhealthy available ids are never chosen; must-include ids always are.
   */
  public static List<String> choose(
      DeviceList list, List<String> available, List<String> mustInclude, int size) {
    Set<String> chosen = new LinkedHashSet<>(mustInclude);
    Set<Integer> usedNodes = new HashSet<>();
    for (String id : chosen) {
      list.find(id).ifPresent(d -> usedNodes.add(d.numaNode()));
    }
    // Free candidates per node, each list in device order (lowest index first).
    Map<Integer, List<PluginDevice>> free = new TreeMap<>();
    for (String id : new LinkedHashSet<>(available)) {
      if (chosen.contains(id)) {
        continue;
      }
      list.find(id)
          .filter(PluginDevice::healthy)
          .ifPresent(d -> free.computeIfAbsent(d.numaNode(), k -> new ArrayList<>()).add(d));
    }
    free.values().forEach(l -> l.sort(Comparator.comparingInt(PreferredAllocator::order)));

    while (chosen.size() < size && !free.isEmpty()) {
      int need = size - chosen.size();
      int node = pickNode(free, usedNodes, need);
      List<PluginDevice> units = free.remove(node);
      usedNodes.add(node);
      for (int i = 0; i < Math.min(need, units.size()); i++) {
        chosen.add(units.get(i).id());
      }
    }
    return List.copyOf(chosen);
  }

  /**
   * A node already in use wins (it adds no node); else the roomiest node that fits the rest alone;
   * else the roomiest of all (largest first covers the rest with the fewest nodes). Ties go to the
   * lowest node id.
   */
  private static int pickNode(Map<Integer, List<PluginDevice>> free, Set<Integer> used, int need) {
    Comparator<Map.Entry<Integer, List<PluginDevice>>> roomiest =
        Comparator.<Map.Entry<Integer, List<PluginDevice>>>comparingInt(e -> e.getValue().size())
            .reversed()
            .thenComparing(Map.Entry::getKey);
    return free.entrySet().stream()
        .filter(e -> used.contains(e.getKey()))
        .min(roomiest)
        .or(() -> free.entrySet().stream().filter(e -> e.getValue().size() >= need).min(roomiest))
        .or(() -> free.entrySet().stream().min(roomiest))
        .orElseThrow()
        .getKey();
  }

  private static int order(PluginDevice d) {
    return d instanceof MemoryUnit u ? u.index() : 0;
  }
}
