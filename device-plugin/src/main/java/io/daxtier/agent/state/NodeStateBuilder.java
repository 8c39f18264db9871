package io.daxtier.agent.state;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.McRecovery;
import io.daxtier.agent.model.MemoryBlock;
import io.daxtier.agent.model.NumaNode;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.policy.Decision;
import io.daxtier.agent.policy.DeviceDecision;
import io.daxtier.agent.policy.History;
import io.daxtier.agent.policy.Reason;
import io.daxtier.api.rules.PoolDefaults;
import io.daxtier.api.v1alpha1.Capability;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.PoolSpecLimits;
import io.daxtier.api.v1alpha1.ResourceSpec;
import io.daxtier.api.v1alpha1.TopologyMode;
import io.daxtier.api.v1alpha1.Zone;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Builds the {@link NodeState} the device plugin advertises from what the kernel now shows. */
public final class NodeStateBuilder {
  private NodeStateBuilder() {}

  /**
   * @param unfinished devices whose steps did not all complete this pass (a gate re-checked during
   *     execution blocked them, a step failed or is retried): a DevDax device among them is not
   *     advertised (SystemRam capacity is what the kernel has online)
   */
  public static NodeState build(
      Inventory inv,
      List<DeviceDecision> decisions,
      List<NodePool> pools,
      History history,
      Instant now,
      Set<String> unfinished) {
    Map<Integer, List<Integer>> distances = new HashMap<>();
    List<Integer> cpuNodes = new ArrayList<>();
    for (NumaNode n : inv.numaNodes()) {
      distances.put(n.id(), n.distances());
      if (n.hasCpu()) {
        cpuNodes.add(n.id());
      }
    }
    List<PoolCapacity> out = new ArrayList<>();
    long bs = inv.platform().blockSize();
    for (NodePool pool : pools) {
      if (pool.state != NodePoolState.Active || !PoolSpecLimits.check(pool.spec).isEmpty()) {
        // A pool whose spec is out of bounds advertises nothing (its unit may not even parse).
        continue;
      }
      TreeMap<Integer, List<DaxDevice>> byNode = new TreeMap<>();
      boolean ready = true;
      int owned = 0;
      for (DeviceDecision dd : decisions) {
        if (!pool.name.equals(dd.pool())
            || dd.decision() instanceof Decision.Block b && b.rule() == Reason.Conflict) {
          continue;
        }
        DaxDevice d = inv.device(dd.device()).orElse(null);
        if (d == null) {
          continue;
        }
        owned++;
        // A device the policy blocks is never advertised, whatever driver it is on.
        boolean usable =
            !(dd.decision() instanceof Decision.Block)
                && !(pool.spec.mode == PoolMode.DevDax && unfinished.contains(d.name()))
                && (pool.spec.mode == PoolMode.DevDax
                    ? d.mode() == DeviceMode.DEVDAX
                    : d.mode() == DeviceMode.SYSTEM_RAM
                        && inv.blocksOf(d).stream().anyMatch(MemoryBlock::online));
        ready &= usable && (pool.spec.mode == PoolMode.DevDax || inv.fullyOnline(d));
        if (usable) {
          byNode.computeIfAbsent(d.targetNode(), k -> new ArrayList<>()).add(d);
        }
      }
      List<NumaCapacity> numa = new ArrayList<>();
      for (Map.Entry<Integer, List<DaxDevice>> e : byNode.entrySet()) {
        int nearest = nearestCpuNode(inv, e.getKey());
        if (pool.spec.mode == PoolMode.DevDax) {
          // One entry per character device, so poison marks only that device unhealthy.
          for (DaxDevice d : e.getValue()) {
            numa.add(
                new NumaCapacity(
                    e.getKey(),
                    nearest,
                    d.size(),
                    d.ranges(),
                    history.unhealthy().getOrDefault(d.name(), List.of()),
                    List.of(d.devPath()),
                    d.memoryType(),
                    tier(inv, e.getKey()),
                    null,
                    inv.encrypted(d)));
          }
          continue;
        }
        long bytes = 0;
        List<AddressRange> ranges = new ArrayList<>();
        List<AddressRange> unhealthy = new ArrayList<>();
        Set<Zone> zones = EnumSet.noneOf(Zone.class);
        boolean encrypted = true;
        for (DaxDevice d : e.getValue()) {
          for (MemoryBlock b : inv.blocksOf(d)) {
            if (b.online()) {
              bytes += bs;
              ranges.add(new AddressRange(b.index() * bs, (b.index() + 1) * bs - 1));
              if (b.zone() != null) {
                zones.add(b.zone());
              }
            }
          }
          unhealthy.addAll(history.unhealthy().getOrDefault(d.name(), List.of()));
          encrypted &= inv.encrypted(d);
        }
        Zone zone =
            zones.contains(Zone.Normal)
                ? Zone.Normal
                : zones.contains(Zone.Movable) ? Zone.Movable : pool.spec.effectiveZone();
        numa.add(
            new NumaCapacity(
                e.getKey(),
                nearest,
                bytes,
                merge(ranges),
                unhealthy,
                List.of(),
                memoryType(e.getValue()),
                tier(inv, e.getKey()),
                zone,
                encrypted));
      }
      ResourceSpec resource = PoolDefaults.apply(pool.spec).resource;
      String name = resource.name;
      String unit = resource.unit;
      TopologyMode topo = resource.topology;
      out.add(
          new PoolCapacity(
              pool.name,
              pool.spec.mode,
              name,
              Sizes.parse(unit),
              topo,
              ready && owned > 0,
              numa,
              resource.api));
    }
    McRecovery mce = inv.platform().mcRecovery();
    return new NodeState(
        now, out, distances, cpuNodes, mce == null ? Capability.Unknown : mce.capability());
  }

  /** The memory tier of a NUMA node (memory_tiering), or null when the kernel reports none. */
  static Integer tier(Inventory inv, int node) {
    return inv.numa(node).map(NumaNode::tier).orElse(null);
  }

  /** The devices' memory type; where a node mixes types, the first device's (by name). */
  static MemoryType memoryType(List<DaxDevice> devices) {
    return devices.stream()
        .sorted(Comparator.comparing(DaxDevice::name))
        .map(DaxDevice::memoryType)
        .filter(t -> t != null)
        .findFirst()
        .orElse(null);
  }

  /** The closest node with CPUs by the node's distance row (ties: the lowest id). */
  static int nearestCpuNode(Inventory inv, int node) {
    NumaNode n = inv.numa(node).orElse(null);
    List<NumaNode> cpus = inv.numaNodes().stream().filter(NumaNode::hasCpu).toList();
    if (n == null || cpus.isEmpty()) {
      return cpus.isEmpty() ? node : cpus.get(0).id();
    }
    if (n.hasCpu()) {
      return node;
    }
    List<Integer> ids = inv.numaNodes().stream().map(NumaNode::id).toList();
    int best = cpus.get(0).id();
    int bestDist = Integer.MAX_VALUE;
    for (NumaNode c : cpus) {
      int idx = ids.indexOf(c.id());
      int dist = idx < n.distances().size() ? n.distances().get(idx) : Integer.MAX_VALUE - 1;
      if (dist < bestDist) {
        best = c.id();
        bestDist = dist;
      }
    }
    return best;
  }

  static List<AddressRange> merge(List<AddressRange> in) {
    List<AddressRange> sorted = new ArrayList<>(in);
    sorted.sort((a, b) -> Long.compare(a.start(), b.start()));
    List<AddressRange> out = new ArrayList<>();
    for (AddressRange r : sorted) {
      if (!out.isEmpty() && out.get(out.size() - 1).end() + 1 >= r.start()) {
        AddressRange last = out.remove(out.size() - 1);
        out.add(new AddressRange(last.start(), Math.max(last.end(), r.end())));
      } else {
        out.add(r);
      }
    }
    return out;
  }
}
