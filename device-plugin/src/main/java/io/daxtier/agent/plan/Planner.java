package io.daxtier.agent.plan;

import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Dimm;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.MemoryBlock;
import io.daxtier.agent.model.Region;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.policy.Decision;
import io.daxtier.agent.policy.DeviceDecision;
import io.daxtier.agent.policy.History;
import io.daxtier.agent.policy.Reason;
import io.daxtier.api.rules.DeviceSelection;
import io.daxtier.api.rules.PoolDefaults;
import io.daxtier.api.v1alpha1.DaxBusModel;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.PoolSpecLimits;
import io.daxtier.api.v1alpha1.ProvisionSpec;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.Zone;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns decisions into steps from the current kernel state, so a converged node plans nothing and a
 * half-done conversion resumes where sysfs says it stopped (kernel-abi.md §2.2,
 * real-kernel-notes.md (3), (4)).
 */
public final class Planner {
  private Planner() {}

  /** Smaller namespaces are not created (a dax device smaller than one memory block is useless). */
  static final long MIN_NAMESPACE = 256 * Sizes.MIB;

  /** Namespaces created per region and pass at most; a later pass creates the rest. */
  static final long MAX_NAMESPACES_PER_PASS = 16;

  public static Plan plan(Inventory inv, List<DeviceDecision> decisions, List<NodePool> pools) {
    return plan(inv, decisions, pools, History.empty());
  }

  /**
   * @param history the erases recorded by earlier passes: one a crash left unfinished (or with a
   *     region still disabled) is resumed while its pool releases with Erase; one finished and no
   *     longer released, or whose pool is active again, is ended (its regions enabled)
   */
  public static Plan plan(
      Inventory inv, List<DeviceDecision> decisions, List<NodePool> pools, History history) {
    List<DevicePlan> devices = new ArrayList<>();
    Set<String> scrubbed = new LinkedHashSet<>();
    boolean demotion = false;
    for (DeviceDecision dd : decisions) {
      DaxDevice d = inv.device(dd.device()).orElse(null);
      if (d == null) {
        continue;
      }
      List<Step> steps = new ArrayList<>();
      if (dd.decision() instanceof Decision.Convert c) {
        Region region = inv.region(d.region()).orElse(null);
        if (c.scrub() && region != null && region.bus() != null) {
          boolean running = inv.bus(region.bus()).map(b -> b.scrubInProgress()).orElse(false);
          if (scrubbed.add(region.bus()) && !running) {
            steps.add(new Step.StartScrub(region.bus()));
          }
          steps.add(new Step.AwaitScrub(region.bus())); // every device on the bus waits for it
        }
        boolean bad = !inv.badRangesOf(d).isEmpty();
        if (c.clearErrors() && region != null && (bad || c.scrub())) {
          steps.add(new Step.ClearErrors(d.name(), region.name()));
        }
        if (bad || c.scrub()) {
          steps.add(new Step.CheckBadBlocks(d.name(), c.maxBadBlocks()));
        }
        if (c.mode() == PoolMode.DevDax) {
          if (d.mode() != DeviceMode.DEVDAX) {
            steps.add(new Step.BindDeviceDax(d.name()));
          }
        } else {
          if (d.mode() == DeviceMode.DEVDAX) {
            steps.add(new Step.UnbindDeviceDax(d.name()));
          }
          if (d.mode() != DeviceMode.SYSTEM_RAM) {
            steps.add(new Step.BindKmem(d.name()));
          }
          if (d.mode() != DeviceMode.SYSTEM_RAM || !inv.fullyOnline(d)) {
            steps.add(new Step.OnlineBlocks(d.name(), c.zone(), d.targetNode()));
          }
        }
        demotion |= wantsDemotion(pools, dd.pool());
      } else if (dd.decision() instanceof Decision.Block b
          && b.rule() != Reason.Conflict
          && b.rule() != Reason.InvalidSpec
          && dd.pool() != null
          && d.mode() == DeviceMode.UNBOUND
          && inv.platform().busModel() == DaxBusModel.Bus) {
        // A selected device left without a driver (a refused kmem bind, a crash between unbind
        // and bind, daxctl's failed reconfigure) goes back to device_dax while it is blocked.
        steps.add(new Step.UnbindKmem(d.name()));
        steps.add(new Step.BindDeviceDax(d.name()));
      } else if (dd.decision() instanceof Decision.Keep && d.mode() == DeviceMode.SYSTEM_RAM) {
        demotion |= wantsDemotion(pools, dd.pool());
        Zone zone = zoneOf(pools, dd.pool());
        if (inv.platform().autoOnline().managed()
            && zone != null
            && inv.blocksOf(d).stream().anyMatch(b -> b.zone() != null && b.zone() != zone)) {
          steps.add(new Step.Rezone(d.name(), zone, d.targetNode()));
        }
      } else if (dd.decision() instanceof Decision.Release r && r.action() != ReleaseAction.Keep) {
        if (d.mode() == DeviceMode.SYSTEM_RAM) {
          if (inv.blocksOf(d).stream().anyMatch(MemoryBlock::online)) {
            steps.add(new Step.OfflineBlocks(d.name()));
          }
          steps.add(new Step.UnbindKmem(d.name()));
        } else if (d.mode() == DeviceMode.UNBOUND) {
          // An agent that died between kmem's unbind and its remove_id left kmem's id behind:
          // on an unbound device UnbindKmem only removes the id (none there is no error).
          steps.add(new Step.UnbindKmem(d.name()));
        }
        if (d.mode() != DeviceMode.DEVDAX) {
          steps.add(new Step.BindDeviceDax(d.name()));
        }
        if (r.action() == ReleaseAction.Erase && !r.erased()) {
          NodePool pool = pools.stream().filter(p -> p.name.equals(dd.pool())).findFirst().get();
          steps.add(
              new Step.EraseDimms(
                  d.name(),
                  inv.dimmsOf(d).stream().map(Dimm::name).toList(),
                  pool.name,
                  pool.uid,
                  pool.generation));
        }
      }
      if (!steps.isEmpty()) {
        devices.add(new DevicePlan(d.name(), dd.pool(), steps));
      }
    }
    List<Step> node = new ArrayList<>();
    for (Map.Entry<String, History.Erase> e : new TreeMap<>(history.erases()).entrySet()) {
      History.Erase erase = e.getValue();
      NodePool pool =
          pools.stream()
              .filter(p -> History.releaseKey(p.name, p.uid).equals(e.getKey()))
              .findFirst()
              .orElse(null);
      boolean releasing =
          pool != null
              && pool.state == NodePoolState.Release
              && pool.spec != null
              && pool.spec.release != null
              && pool.spec.release.action == ReleaseAction.Erase;
      boolean disabled =
          erase.regions().stream()
              .anyMatch(r -> inv.region(r).map(x -> !x.enabled()).orElse(false));
      if (releasing && (!erase.done() || disabled)) {
        List<String> left =
            erase.dimms().stream().filter(m -> !erase.completed().contains(m)).toList();
        node.add(new Step.ResumeErase(e.getKey(), left));
      } else if (!releasing && (erase.done() || pool != null)) {
        // Done and dropped by the operator, or the pool is back (the release was cancelled): the
        // record goes. An unfinished erase of a pool not listed at all (desired state not known
        // yet, or lost) is kept for the pool's return, never abandoned on an empty list.
        node.add(new Step.EndErase(e.getKey(), erase.regions()));
      }
    }
    if (demotion && Boolean.FALSE.equals(inv.platform().demotionEnabled())) {
      node.add(new Step.EnableDemotion());
    }
    return new Plan(devices, node);
  }

  /**
   * The namespaces to create for pools that provision: in each selected region, devdax namespaces
   * of the pool's size as long as they fit (one with all the free space without a size; at most
   * {@link #MAX_NAMESPACES_PER_PASS} per region and pass). Out-of-bounds pools get none (their
   * devices are blocked InvalidSpec).
   */
  public static List<Step> provision(Inventory inv, List<NodePool> pools) {
    List<Step> out = new ArrayList<>();
    for (NodePool p : pools) {
      PmemPoolSpec spec = PoolDefaults.apply(p.spec);
      ProvisionSpec prov = spec.devices.provision;
      if (p.state != NodePoolState.Active
          || prov == null
          || !Boolean.TRUE.equals(prov.enabled)
          || !PoolSpecLimits.check(p.spec).isEmpty()) {
        continue;
      }
      long size = prov.size == null ? 0 : Sizes.parse(prov.size);
      long align = Sizes.parse(prov.align);
      for (Region r : inv.regions()) {
        boolean selected =
            !DeviceSelection.restricts(spec.devices.regions)
                || spec.devices.regions.contains(r.name());
        long want = size == 0 ? r.available() : size;
        if (!selected || want < MIN_NAMESPACE || want > r.available()) {
          continue;
        }
        // as many as fit (one with all of it without a size), each a step of its own
        long count = Math.min(r.available() / want, MAX_NAMESPACES_PER_PASS);
        for (long i = 0; i < count; i++) {
          out.add(new Step.CreateNamespace(p.name, r.name(), size, align));
        }
      }
    }
    return out;
  }

  /** The zone a SystemRam pool asks for, or null for a pool not in the list. */
  private static Zone zoneOf(List<NodePool> pools, String pool) {
    return pools.stream()
        .filter(p -> p.name.equals(pool) && p.spec != null)
        .map(p -> p.spec.effectiveZone())
        .findFirst()
        .orElse(null);
  }

  private static boolean wantsDemotion(List<NodePool> pools, String pool) {
    return pools.stream()
        .anyMatch(p -> p.name.equals(pool) && p.spec != null && p.spec.demotionRequested());
  }
}
