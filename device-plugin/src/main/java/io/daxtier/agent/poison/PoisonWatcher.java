package io.daxtier.agent.poison;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.BadBlock;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.MemoryBlock;
import io.daxtier.agent.model.Region;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.plan.Step;
import io.daxtier.agent.policy.History;
import io.daxtier.api.rules.PoolDefaults;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoolMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans what bad blocks that appear inside onlined memory call for: maps each new region bad-block
 * range to physical addresses (sectors relative to the region start, kernel-abi.md §2.5) and, per
 * the pool's policy, plans retiring the pages ({@link Step.RetirePages}) or marking the capacity
 * unhealthy ({@link Step.MarkUnhealthy}); the executor runs the steps, {@link #account} records
 * what they did. Pure: it writes nothing.
 */
public final class PoisonWatcher {
  /** At most this many pages are retired per bad range per pass; the rest is marked unhealthy. */
  static final long MAX_PAGES_PER_RANGE = 4096;

  private PoisonWatcher() {}

  /** The steps new poison calls for, and the history with those bad blocks taken as known. */
  public record Planned(List<Step> steps, History history) {
    public Planned {
      steps = List.copyOf(steps);
    }
  }

  /** The result of one check: the updated history and the events to report. */
  public record Result(History history, List<PoisonEvent> events) {}

  /**
   * @param owners device name to the pool owning it (from the policy decisions)
   */
  public static Planned plan(Inventory inv, Map<String, NodePool> owners, History history) {
    List<Step> steps = new ArrayList<>();
    History h = history;
    long bs = inv.platform().blockSize();
    for (Region region : inv.regions()) {
      Set<BadBlock> known = new HashSet<>(h.knownBadBlocks().getOrDefault(region.name(), Set.of()));
      known.retainAll(region.badBlocks()); // cleared entries may come back later
      for (BadBlock bb : region.badBlocks()) {
        if (known.contains(bb)) {
          continue;
        }
        AddressRange bad = region.physical(bb);
        boolean handled = false;
        for (DaxDevice d : inv.devices()) {
          NodePool pool = owners.get(d.name());
          if (!d.overlaps(bad) || pool == null || pool.state != NodePoolState.Active) {
            continue;
          }
          boolean devDax = pool.spec.mode == PoolMode.DevDax;
          if (devDax && d.mode() != DeviceMode.DEVDAX) {
            continue;
          }
          List<AddressRange> online = devDax ? devDaxParts(d, bad) : onlineParts(inv, d, bad, bs);
          if (online.isEmpty()) {
            continue;
          }
          handled = true;
          PoisonAction action = PoolDefaults.apply(pool.spec).policy.poison.onNewPoison;
          if (devDax && action == PoisonAction.RetirePages) {
            // A character device's pages are not the page allocator's: nothing to retire; the
            // application gets SIGBUS on access, the kubelet sees the device unhealthy.
            action = PoisonAction.MarkUnhealthy;
          }
          for (AddressRange part : online) {
            AddressRange pages = pageAligned(part);
            steps.add(
                switch (action) {
                  case RetirePages ->
                      new Step.RetirePages(d.name(), pool.name, pages, MAX_PAGES_PER_RANGE);
                  case MarkUnhealthy -> new Step.MarkUnhealthy(d.name(), pool.name, pages);
                  default -> new Step.IgnorePoison(d.name(), pool.name, pages);
                });
          }
        }
        if (handled) {
          known.add(bb);
        }
      }
      h = h.withKnownBadBlocks(region.name(), known);
    }
    return new Planned(steps, markKnownDevDax(inv, owners, h));
  }

  /**
   * Records what the poison steps did: pages retired (as the executor counted them; what was not
   * retired is marked unhealthy), capacity marked unhealthy, one event per step.
   *
   * @param retired per {@link Step.RetirePages}, how many pages are out of use now
   */
  public static Result account(List<Step> steps, Map<Step, Long> retired, History history) {
    List<PoisonEvent> events = new ArrayList<>();
    History h = history;
    for (Step s : steps) {
      String device;
      String pool;
      AddressRange pages;
      PoisonAction action;
      if (s instanceof Step.RetirePages r) {
        device = r.device();
        pool = r.pool();
        pages = r.pages();
        action = PoisonAction.RetirePages;
      } else if (s instanceof Step.MarkUnhealthy m) {
        device = m.device();
        pool = m.pool();
        pages = m.pages();
        action = PoisonAction.MarkUnhealthy;
      } else if (s instanceof Step.IgnorePoison i) {
        device = i.device();
        pool = i.pool();
        pages = i.pages();
        action = PoisonAction.Ignore;
      } else {
        continue;
      }
      long n = pages.size() / Sizes.PAGE;
      List<AddressRange> unhealthy = new ArrayList<>(h.unhealthy().getOrDefault(device, List.of()));
      long retiredPages = h.retiredPages().getOrDefault(device, 0L);
      String result;
      if (action == PoisonAction.RetirePages) {
        long done = retired.getOrDefault(s, 0L);
        retiredPages += done;
        result = "retired " + done + " of " + n + " pages";
        if (done < n) {
          cover(unhealthy, pages);
          result += "; the rest marked unhealthy";
        }
      } else if (action == PoisonAction.MarkUnhealthy) {
        cover(unhealthy, pages);
        result = "marked " + pages.size() + " bytes unhealthy";
      } else {
        result = "ignored by policy";
      }
      events.add(new PoisonEvent(device, pool, action, pages, n, result));
      h = h.withPoison(device, unhealthy, retiredPages);
    }
    return new Result(h, events);
  }

  /**
   * A first start without a record: the bad blocks the kernel lists now are recorded as known
   * without retiring anything for them (an earlier agent may have, and a page must not be retired
   * twice).
   */
  public static History adopt(Inventory inv, History history) {
    History h = history;
    for (Region region : inv.regions()) {
      h = h.withKnownBadBlocks(region.name(), Set.copyOf(region.badBlocks()));
    }
    return h;
  }

  /**
   * Known poison inside a DevDax device handed out for its pool (taken as known at a first start,
   * or tolerated under maxBadBlocks) is never cleared there: that capacity is marked unhealthy,
   * without an event (nothing new happened).
   */
  private static History markKnownDevDax(Inventory inv, Map<String, NodePool> owners, History h) {
    for (DaxDevice d : inv.devices()) {
      NodePool pool = owners.get(d.name());
      if (pool == null
          || pool.state != NodePoolState.Active
          || pool.spec.mode != PoolMode.DevDax
          || d.mode() != DeviceMode.DEVDAX
          || !pool.name.equals(h.serving().get(d.name()))) {
        continue;
      }
      Region region = inv.region(d.region()).orElse(null);
      if (region == null) {
        continue;
      }
      List<AddressRange> unhealthy =
          new ArrayList<>(h.unhealthy().getOrDefault(d.name(), List.of()));
      boolean added = false;
      for (BadBlock bb : region.badBlocks()) {
        for (AddressRange part : devDaxParts(d, region.physical(bb))) {
          AddressRange pages = pageAligned(part);
          added |= cover(unhealthy, pages);
        }
      }
      if (added) {
        h = h.withPoison(d.name(), unhealthy, h.retiredPages().getOrDefault(d.name(), 0L));
      }
    }
    return h;
  }

  private static List<AddressRange> devDaxParts(DaxDevice d, AddressRange bad) {
    List<AddressRange> out = new ArrayList<>();
    for (AddressRange r : d.ranges()) {
      if (r.overlaps(bad)) {
        out.add(r.intersect(bad));
      }
    }
    return out;
  }

  private static List<AddressRange> onlineParts(
      Inventory inv, DaxDevice d, AddressRange bad, long bs) {
    List<AddressRange> out = new ArrayList<>();
    for (MemoryBlock b : inv.blocksOf(d)) {
      if (!b.online()) {
        continue;
      }
      AddressRange br = new AddressRange(b.index() * bs, (b.index() + 1) * bs - 1);
      if (br.overlaps(bad)) {
        out.add(br.intersect(bad));
      }
    }
    return out;
  }

  /** Adds the range unless an unhealthy range already covers it. */
  private static boolean cover(List<AddressRange> unhealthy, AddressRange pages) {
    if (unhealthy.stream().anyMatch(u -> u.start() <= pages.start() && pages.end() <= u.end())) {
      return false;
    }
    return unhealthy.add(pages);
  }

  static AddressRange pageAligned(AddressRange r) {
    long start = r.start() & ~(Sizes.PAGE - 1);
    long end = (r.end() | (Sizes.PAGE - 1));
    return new AddressRange(start, end);
  }
}
