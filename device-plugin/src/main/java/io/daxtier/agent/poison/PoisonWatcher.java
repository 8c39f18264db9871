package io.daxtier.agent.poison;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.BadBlock;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.MemoryBlock;
import io.daxtier.agent.model.Region;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.policy.History;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoolMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Acts on bad blocks that appear inside onlined memory: maps each new region bad-block range to
 * physical addresses (sectors relative to the region start, kernel-abi.md §2.5) and, per the pool's
 * policy, retires the pages ({@code hard_offline_page}) or marks the capacity unhealthy.
 */
public final class PoisonWatcher {
  /** KPF_HWPOISON in {@code /proc/kpageflags}. */
  private static final long HWPOISON = 1L << 19;

  /** At most this many pages are retired per bad range per pass; the rest is marked unhealthy. */
  static final long MAX_PAGES_PER_RANGE = 4096;

  private final Kernel kernel;

  public PoisonWatcher(Kernel kernel) {
    this.kernel = kernel;
  }

  /** The result of one check: the updated history and the events to report. */
  public record Result(History history, List<PoisonEvent> events) {}

  /**
   * @param owners device name to the pool owning it (from the policy decisions)
   */
  public Result check(Inventory inv, Map<String, NodePool> owners, History history) {
    List<PoisonEvent> events = new ArrayList<>();
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
          PoisonAction action =
              pool.spec.policy == null || pool.spec.policy.poison == null
                  ? PoisonAction.RetirePages
                  : pool.spec.policy.poison.onNewPoison;
          if (devDax && action == PoisonAction.RetirePages) {
            // A character device's pages are not the page allocator's: nothing to retire; the
            // application gets SIGBUS on access, the kubelet sees the device unhealthy.
            action = PoisonAction.MarkUnhealthy;
          }
          List<AddressRange> unhealthy =
              new ArrayList<>(h.unhealthy().getOrDefault(d.name(), List.of()));
          long retired = h.retiredPages().getOrDefault(d.name(), 0L);
          for (AddressRange part : online) {
            AddressRange pages = pageAligned(part);
            long n = pages.size() / Sizes.PAGE;
            String result;
            if (action == PoisonAction.RetirePages) {
              long done = retire(pages);
              retired += done;
              result = "retired " + done + " of " + n + " pages";
              if (done < n) {
                unhealthy.add(pages);
                result += "; the rest marked unhealthy";
              }
            } else if (action == PoisonAction.MarkUnhealthy) {
              unhealthy.add(pages);
              result = "marked " + pages.size() + " bytes unhealthy";
            } else {
              result = "ignored by policy";
            }
            events.add(new PoisonEvent(d.name(), pool.name, action, pages, n, result));
          }
          h = h.withPoison(d.name(), unhealthy, retired);
        }
        if (handled) {
          known.add(bb);
        }
      }
      h = h.withKnownBadBlocks(region.name(), known);
    }
    return new Result(markKnownDevDax(inv, owners, h), events);
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
          if (unhealthy.stream()
              .noneMatch(u -> u.start() <= pages.start() && pages.end() <= u.end())) {
            unhealthy.add(pages);
            added = true;
          }
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

  static AddressRange pageAligned(AddressRange r) {
    long start = r.start() & ~(Sizes.PAGE - 1);
    long end = (r.end() | (Sizes.PAGE - 1));
    return new AddressRange(start, end);
  }

  /** Whether the kernel flags the page hardware-poisoned (false when kpageflags is unreadable). */
  private boolean poisoned(long address) {
    return kernel
        .readAt(KernelPaths.KPAGEFLAGS, address / Sizes.PAGE * 8, 8)
        .map(b -> (ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong() & HWPOISON) != 0)
        .orElse(false);
  }

  private long retire(AddressRange pages) {
    long done = 0;
    long count = 0;
    for (long a = pages.start();
        a <= pages.end() && count < MAX_PAGES_PER_RANGE;
        a += Sizes.PAGE, count++) {
      if (poisoned(a)) {
        // An earlier agent retired it and died before recording the bad block as known.
        done++;
        continue;
      }
      try {
        kernel.write(KernelPaths.HARD_OFFLINE_PAGE, Sizes.hex(a));
        done++;
      } catch (KernelException e) {
        if (e.errno() == Errno.EHWPOISON) {
          done++; // already poisoned: the page is out of use
        }
      }
    }
    return done;
  }
}
