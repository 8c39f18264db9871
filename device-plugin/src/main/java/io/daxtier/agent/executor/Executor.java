package io.daxtier.agent.executor;

import static java.util.stream.Collectors.joining;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.WriteInProgress;
import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.Region;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.model.SysfsFormats;
import io.daxtier.agent.ndctl.Ndctl;
import io.daxtier.agent.plan.DevicePlan;
import io.daxtier.agent.plan.Plan;
import io.daxtier.agent.plan.Step;
import io.daxtier.agent.policy.History;
import io.daxtier.agent.policy.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Performs a plan through the kernel interface. Every step re-reads sysfs before writing, so a step
 * already done is skipped: after a crash the next pass completes the work, and a converged node
 * sees zero writes. The conversion to System RAM (unbind, bind kmem, online) runs as one {@link
 * KmemConversion}: all its reads before its first write, then the writes back to back. The writes
 * and traps follow real-kernel-notes.md (3) and (4).
 */
public final class Executor {
  private static final Logger LOG = LoggerFactory.getLogger(Executor.class);

  /** KPF_HWPOISON in {@code /proc/kpageflags}. */
  private static final long HWPOISON = 1L << 19;

  /** How long one pass looks at a running ARS ({@code wait-scrub}) before moving on. */
  private static final Duration SCRUB_POLL = Duration.ofSeconds(1);

  private final Kernel kernel;
  private final Ndctl ndctl;
  private final Duration scrubTimeout;
  private final Duration overwriteTimeout;
  private final HotplugSwitch hotplug;
  private final boolean manageHotplug;
  private Inventory current;

  /** Devices this pass still has to take off kmem (unbind, or remove a left-behind id). */
  private final Set<String> kmemPending = new HashSet<>();

  private EraseJournal journal = EraseJournal.inMemory();

  /** What this pass learnt about a bus's running ARS (its devices all wait on the same one). */
  private final Map<String, StepFailure> scrubWaits = new HashMap<>();

  public Executor(Kernel kernel, Ndctl ndctl, Duration scrubTimeout) {
    this(kernel, ndctl, scrubTimeout, Duration.ofHours(12));
  }

  public Executor(Kernel kernel, Ndctl ndctl, Duration scrubTimeout, Duration overwriteTimeout) {
    this(kernel, ndctl, scrubTimeout, overwriteTimeout, null, false);
  }

  /**
   * @param hotplug the node record's view of auto_online_blocks (null: nothing is recorded)
   * @param manageHotplug whether conversions switch auto_online_blocks to offline around the bind
   *     and re-online blocks a udev rule put in another zone; else the kernel's policy is respected
   */
  public Executor(
      Kernel kernel,
      Ndctl ndctl,
      Duration scrubTimeout,
      Duration overwriteTimeout,
      HotplugSwitch hotplug,
      boolean manageHotplug) {
    this.hotplug = hotplug;
    this.manageHotplug = manageHotplug;
    this.kernel = kernel;
    this.ndctl = ndctl;
    this.scrubTimeout = scrubTimeout;
    this.overwriteTimeout = overwriteTimeout;
  }

  /** Where erase intent and per-DIMM completion are made durable (the node record). */
  public Executor journal(EraseJournal journal) {
    this.journal = journal;
    return this;
  }

  public ExecutionReport execute(Plan plan, Inventory inv) {
    current = inv;
    kmemPending.clear();
    scrubWaits.clear();
    for (DevicePlan dp : plan.devices()) {
      if (dp.steps().stream().anyMatch(Step.UnbindKmem.class::isInstance)) {
        kmemPending.add(dp.device());
      }
    }
    List<DeviceOutcome> outcomes = new ArrayList<>();
    Set<String> scrubbed = new HashSet<>();
    Set<String> erased = new HashSet<>();
    for (DevicePlan dp : plan.devices()) {
      DaxDevice d = inv.device(dp.device()).orElseThrow();
      List<String> notes = new ArrayList<>();
      Outcome outcome = new Outcome.Done();
      try {
        List<Step> steps = dp.steps();
        for (int i = 0; i < steps.size(); i++) {
          if (KmemConversion.covers(steps.get(i))) {
            int end = i;
            while (end < steps.size() && KmemConversion.covers(steps.get(end))) {
              end++;
            }
            convert(d, steps.subList(i, end), notes);
            i = end - 1;
          } else {
            run(steps.get(i), d, notes, scrubbed, erased);
          }
        }
      } catch (StepFailure f) {
        outcome = f.outcome();
        LOG.warn("{}: {}", d.name(), outcome.describe());
      } catch (WriteInProgress e) {
        // a write past its deadline goes on in the kernel: the next pass reads how it ended
        outcome = new Outcome.Stopped(Reason.WriteInProgress, e.getMessage());
        LOG.warn("{}: {}", d.name(), e.getMessage());
      } catch (KernelException e) {
        outcome = new Outcome.Stopped(Reason.KernelRefused, e.getMessage());
        LOG.warn("{}: {}", d.name(), e.getMessage());
      }
      outcomes.add(new DeviceOutcome(d.name(), dp.pool(), outcome, notes));
    }
    List<NodeOutcome> node = new ArrayList<>();
    for (Step s : plan.node()) {
      node.add(runNode(s));
    }
    return new ExecutionReport(outcomes, scrubbed, erased, node);
  }

  private NodeOutcome runNode(Step s) {
    try {
      if (s instanceof Step.ResumeErase r) {
        runErase(r.release());
        return new NodeOutcome(s, new Outcome.Done(), "erase of " + r.release() + " finished");
      } else if (s instanceof Step.EndErase e) {
        List<String> disabled = enableRegions(e.regions());
        return disabled.isEmpty()
            ? new NodeOutcome(s, new Outcome.Done(), "erase of " + e.release() + " ended")
            : new NodeOutcome(
                s,
                new Outcome.Stopped(
                    Reason.RegionNotEnabled, "ndctl enable-region " + disabled + " failed"),
                "erase of " + e.release() + " ended, regions " + disabled + " still disabled");
      } else if (s instanceof Step.EnableDemotion) {
        if (!"true".equals(kernel.readTrimmed(KernelPaths.DEMOTION).orElse(""))) {
          kernel.write(KernelPaths.DEMOTION, "true");
        }
        return new NodeOutcome(s, new Outcome.Done(), "demotion enabled");
      }
      return new NodeOutcome(s, new Outcome.Done(), "nothing to do");
    } catch (StepFailure f) {
      LOG.warn("{}: {}", s.describe(), f.outcome().describe());
      return new NodeOutcome(s, f.outcome(), message(f));
    } catch (WriteInProgress e) {
      return new NodeOutcome(
          s, new Outcome.Stopped(Reason.WriteInProgress, e.getMessage()), e.getMessage());
    } catch (KernelException e) {
      Reason why = s instanceof Step.EnableDemotion ? Reason.DemotionFailed : Reason.EraseFailed;
      LOG.warn("{}: {}", s.describe(), e.getMessage());
      return new NodeOutcome(s, new Outcome.Stopped(why, e.getMessage()), e.getMessage());
    }
  }

  /**
   * Creates the namespaces a plan provisions; the region's free space is read again first, so a
   * namespace an earlier pass (or agent) created is not created twice.
   */
  public List<NodeOutcome> provision(List<Step> steps) {
    List<NodeOutcome> out = new ArrayList<>();
    for (Step s : steps) {
      if (!(s instanceof Step.CreateNamespace c)) {
        continue;
      }
      String path = KernelPaths.ND_DEVICES + "/" + c.region() + "/available_size";
      long available =
          SysfsFormats.decimal(path, kernel.read(path).orElse("0"), 0, Long.MAX_VALUE).orElse(0L);
      if (available < (c.size() == 0 ? 1 : c.size())) {
        out.add(new NodeOutcome(s, new Outcome.Done(), c.region() + ": no free space left"));
      } else if (ndctl.unavailable().isPresent()) {
        out.add(
            new NodeOutcome(
                s,
                new Outcome.Stopped(
                    Reason.ProvisionFailed, ndctlFailed("create-namespace in " + c.region())),
                "not provisioned"));
      } else {
        Optional<String> ns = ndctl.createNamespace(c.region(), c.size(), c.align());
        out.add(
            ns.isPresent()
                ? new NodeOutcome(s, new Outcome.Done(), ns.get() + " created in " + c.region())
                : new NodeOutcome(
                    s,
                    new Outcome.Stopped(
                        Reason.ProvisionFailed, ndctlFailed("create-namespace in " + c.region())),
                    "not provisioned"));
      }
    }
    for (NodeOutcome o : out) {
      if (o.outcome() instanceof Outcome.Stopped stop) {
        LOG.warn("{}: {}", o.step().describe(), stop.message());
      }
    }
    return out;
  }

  /**
   * Retires the pages of each {@link Step.RetirePages} ({@code hard_offline_page}), skipping pages
   * the kernel already flags poisoned (an earlier agent retired them and died before recording it);
   * returns per step how many of its pages are out of use now.
   */
  public Map<Step, Long> retire(List<Step> steps) {
    Map<Step, Long> out = new HashMap<>();
    for (Step s : steps) {
      if (s instanceof Step.RetirePages r) {
        out.put(s, retire(r.pages(), r.limit()));
      }
    }
    return out;
  }

  private long retire(AddressRange pages, long limit) {
    long done = 0;
    long count = 0;
    for (long a = pages.start(); a <= pages.end() && count < limit; a += Sizes.PAGE, count++) {
      if (poisoned(a)) {
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

  /** Whether the kernel flags the page hardware-poisoned (false when kpageflags is unreadable). */
  private boolean poisoned(long address) {
    return kernel
        .readAt(KernelPaths.KPAGEFLAGS, address / Sizes.PAGE * 8, 8)
        .map(b -> (ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong() & HWPOISON) != 0)
        .orElse(false);
  }

  /** "ndctl COMMAND failed", or why no ndctl command runs at all. */
  private String ndctlFailed(String command) {
    return ndctl
        .unavailable()
        .map(why -> "ndctl " + command + " not run: " + why)
        .orElse("ndctl " + command + " failed");
  }

  private void run(
      Step step, DaxDevice d, List<String> notes, Set<String> scrubbed, Set<String> erased)
      throws StepFailure {
    if (step instanceof Step.StartScrub s) {
      startScrub(s.bus());
    } else if (step instanceof Step.AwaitScrub s) {
      awaitScrub(s.bus(), scrubbed);
    } else if (step instanceof Step.ClearErrors s) {
      if (!ndctl.clearErrors(s.device())) {
        notes.add("ClearErrorsFailed: " + ndctlFailed("clear-errors for " + s.device()));
      }
    } else if (step instanceof Step.CheckBadBlocks s) {
      checkBadBlocks(d, s.max());
    } else if (step instanceof Step.OfflineBlocks) {
      offline(d);
    } else if (step instanceof Step.UnbindKmem) {
      unbindKmem(d, notes);
    } else if (step instanceof Step.BindDeviceDax) {
      bindDeviceDax(d);
    } else if (step instanceof Step.Rezone s) {
      for (long b : DeviceSysfs.scanBlocks(kernel, d)) {
        if (KmemConversion.reonline(kernel, b, s.zone(), s.targetNode())) {
          notes.add("Rezoned: memory" + b + " into " + s.zone());
        }
      }
    } else if (step instanceof Step.EraseDimms s) {
      erase(d, s, erased);
    }
  }

  /**
   * Starts an ARS on a bus unless one runs, or the one an earlier pass started has finished since
   * (the next step sees it done), and records it so later passes know since when it runs.
   */
  private void startScrub(String bus) throws StepFailure {
    Optional<History.Scrub> pending = journal.scrub(bus);
    boolean running = scrubInProgress(bus);
    long count = scrubCount(bus);
    if (pending.isPresent()
        && (running || count < 0 || pending.get().count() < 0 || count > pending.get().count())) {
      return;
    }
    // None recorded, or the recorded one neither runs nor finished (a reboot reset the bus).
    if (!running && !ndctl.startScrub(bus)) {
      throw new StepFailure(Reason.ScrubFailed, ndctlFailed("start-scrub " + bus));
    }
    recordScrub(bus, new History.Scrub(journal.now(), count));
  }

  /**
   * Looks whether the bus's ARS has finished, without waiting for it: a short {@code wait-scrub}.
   * Still running, the device is in progress (looked at again by a later pass) until the scrub
   * timeout, counted from when the scrub was recorded as started, turns it into a failure. Nothing
   * after this step (clearing errors, the bad-block gate) runs before the scrub finished.
   */
  private void awaitScrub(String bus, Set<String> scrubbed) throws StepFailure {
    if (scrubbed.contains(bus)) {
      return;
    }
    StepFailure known = scrubWaits.get(bus);
    if (known != null) {
      throw known; // one look per bus and pass
    }
    if (ndctl.awaitScrub(bus, SCRUB_POLL)) {
      scrubbed.add(bus);
      recordScrub(bus, null);
      return;
    }
    StepFailure f;
    if (ndctl.unavailable().isPresent()) {
      f = new StepFailure(Reason.ScrubFailed, ndctlFailed("wait-scrub " + bus));
    } else {
      Instant now = journal.now();
      Optional<History.Scrub> pending = journal.scrub(bus);
      if (pending.isEmpty()) {
        // Running but not recorded (started by someone else, or before a crash): from now on.
        recordScrub(bus, new History.Scrub(now, scrubCount(bus)));
      }
      Instant since = pending.map(History.Scrub::since).orElse(now);
      if (Duration.between(since, now).compareTo(scrubTimeout) > 0) {
        f =
            new StepFailure(
                Reason.ScrubTimeout,
                "ARS on "
                    + bus
                    + " running since "
                    + since
                    + " has not finished within the scrub timeout ("
                    + scrubTimeout.toMinutes()
                    + " min)");
      } else {
        f = new StepFailure(Reason.ScrubInProgress, "ARS on " + bus + " running since " + since);
      }
    }
    scrubWaits.put(bus, f);
    throw f;
  }

  private void recordScrub(String bus, History.Scrub scrub) throws StepFailure {
    try {
      journal.putScrub(bus, scrub);
    } catch (IOException x) {
      throw new StepFailure(
          Reason.RecordWriteFailed,
          "the node record cannot be written (" + x.getMessage() + "): ARS on " + bus);
    }
  }

  /** The bus's completed-scrub count ({@code nfit/scrub}, "N" or "N+"); -1 when unreadable. */
  private long scrubCount(String bus) {
    return kernel
        .readTrimmed(KernelPaths.ND_DEVICES + "/" + bus + "/nfit/scrub")
        .map(v -> v.endsWith("+") ? v.substring(0, v.length() - 1) : v)
        .map(
            v -> {
              try {
                return Long.parseLong(v);
              } catch (NumberFormatException e) {
                return -1L;
              }
            })
        .orElse(-1L);
  }

  private boolean scrubInProgress(String bus) {
    return kernel
        .readTrimmed(KernelPaths.ND_DEVICES + "/" + bus + "/nfit/scrub")
        .map(v -> v.endsWith("+"))
        .orElse(false);
  }

  private void checkBadBlocks(DaxDevice d, int max) throws StepFailure {
    String dir = KernelPaths.ND_DEVICES + "/" + d.region();
    // Re-read: clear-errors may have changed the list since the inventory was taken.
    Region region = current.region(d.region()).orElse(null);
    List<AddressRange> bad =
        region == null
            ? List.of()
            : SysfsFormats.parseBadBlocks(kernel.read(dir + "/badblocks").orElse("")).stream()
                .map(region::physical)
                .filter(d::overlaps)
                .toList();
    if (bad.size() > max) {
      throw new StepFailure(
          Reason.BadBlocks,
          bad.size()
              + " bad-block ranges in "
              + d.name()
              + " after the scrub (max "
              + max
              + "): "
              + bad.stream().limit(8).map(AddressRange::toString).collect(joining(", "))
              + (bad.size() > 8 ? ", ..." : ""));
    }
  }

  private String driver(DaxDevice d) {
    return DeviceSysfs.driver(kernel, d);
  }

  /**
   * Unbind, bind kmem and online as one {@link KmemConversion}; when kmem refuses the device, it
   * goes back to device_dax (daxctl leaves it without a driver) the way a blocked unbound device
   * does: kmem's id dropped, device_dax bound.
   */
  private void convert(DaxDevice d, List<Step> steps, List<String> notes) throws StepFailure {
    try {
      KmemConversion.prepare(kernel, d, steps, hotplug, manageHotplug).run(notes);
    } catch (StepFailure f) {
      if (!(f.outcome() instanceof Outcome.Stopped refused)
          || refused.reason() != Reason.KmemRefused) {
        throw f;
      }
      String restored;
      try {
        unbindKmem(d, notes);
        bindDeviceDax(d);
        restored = "put back on device_dax";
      } catch (StepFailure e) {
        restored =
            "could not put it back on device_dax: "
                + (e.outcome() instanceof Outcome.Stopped x ? x.message() : e.outcome().describe());
      } catch (KernelException e) {
        restored = "could not put it back on device_dax: " + e.getMessage();
      }
      throw new StepFailure(
          new Outcome.Stopped(refused.reason(), refused.message() + "; " + restored));
    }
  }

  private List<Long> blocks(DaxDevice d) {
    return DeviceSysfs.scanBlocks(kernel, d);
  }

  private String state(long block) {
    return DeviceSysfs.state(kernel, block);
  }

  private void offline(DaxDevice d) throws StepFailure {
    List<Long> done = new ArrayList<>();
    Optional<String> zoneOf = Optional.empty();
    for (long b : blocks(d)) {
      if (!state(b).equals("online")) {
        continue;
      }
      String zone = kernel.readTrimmed(KernelPaths.block(b) + "/valid_zones").orElse("Movable");
      try {
        kernel.write(KernelPaths.block(b) + "/state", "offline");
        done.add(b);
        zoneOf = Optional.of(zone);
      } catch (KernelException e) {
        if (e.errno() != Errno.EBUSY && e.errno() != Errno.EAGAIN) {
          throw e;
        }
        // Never force: put back what this pass offlined so no capacity is lost, retry later.
        String back = zoneOf.orElse(zone).startsWith("Normal") ? "online_kernel" : "online_movable";
        for (long r : done) {
          try {
            kernel.write(KernelPaths.block(r) + "/state", back);
          } catch (KernelException ignored) {
            // reported by the next pass: the block shows offline
          }
        }
        throw new StepFailure(
            Reason.OfflineBusy,
            "memory" + b + " of " + d.name() + ": offline refused (" + e.errno() + ")");
      }
    }
  }

  private void unbindKmem(DaxDevice d, List<String> notes) throws StepFailure {
    if (KernelPaths.KMEM.equals(driver(d))) {
      List<Long> online = blocks(d).stream().filter(b -> state(b).equals("online")).toList();
      if (!online.isEmpty()) {
        // Unbinding with blocks online leaks the range until reboot (real-kernel-notes (4b)).
        throw new StepFailure(
            Reason.BlocksOnline, "refusing to unbind kmem: memory" + online + " still online");
      }
      kernel.write(KernelPaths.driver(KernelPaths.KMEM, "unbind"), d.name());
      if (!blocks(d).isEmpty()) {
        throw new StepFailure(
            Reason.RangeLeaked, d.name() + ": memory blocks remain after kmem unbind");
      }
    }
    if (driver(d) == null) {
      try {
        kernel.write(KernelPaths.driver(KernelPaths.KMEM, "remove_id"), d.name());
      } catch (KernelException e) {
        if (e.errno() != Errno.ENODEV && e.errno() != Errno.ENOENT) {
          notes.add("RemoveIdFailed: " + e.getMessage());
        }
      }
      kmemPending.remove(d.name());
    }
  }

  private void bindDeviceDax(DaxDevice d) throws StepFailure {
    String drv = driver(d);
    if (KernelPaths.DEVICE_DAX.equals(drv)) {
      return;
    }
    if (drv != null) {
      throw new StepFailure(Reason.BoundElsewhere, d.name() + " is bound to " + drv);
    }
    try {
      kernel.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "bind"), d.name());
    } catch (KernelException e) {
      if (e.errno() == Errno.ENODEV) {
        kernel.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "new_id"), d.name());
      } else if (e.errno() != Errno.EBUSY || !KernelPaths.DEVICE_DAX.equals(driver(d))) {
        throw new StepFailure(Reason.DevDaxBindFailed, e.getMessage());
      }
    }
    if (!KernelPaths.DEVICE_DAX.equals(driver(d))) {
      throw new StepFailure(Reason.DevDaxBindFailed, d.name() + ": not bound to device_dax");
    }
  }

  /**
   * Overwrites the DIMMs behind a released device: only once no memory on them is online and no
   * namespace on them belongs to anything but dax devices the policy cleared; every region on them
   * is disabled for the overwrite (the kernel refuses to sanitize an active DIMM) and enabled again
   * afterwards. In two phases, each made durable before the step it guards: the intent (the
   * release, its DIMMs and regions) before the first region is disabled, then per DIMM "issued"
   * before its overwrite starts and "completed" right after it finished. DIMMs the release already
   * overwrote (another device of the pool on them, an earlier agent) are not overwritten again.
   */
  private void erase(DaxDevice d, Step.EraseDimms s, Set<String> erased) throws StepFailure {
    String key = History.releaseKey(s.pool(), s.uid());
    List<String> dimms = s.dimms();
    Optional<History.Erase> known = journal.get(key);
    if (known.isPresent() && known.get().erased(dimms)) {
      erased.add(d.name());
      return;
    }
    List<String> regions = new ArrayList<>();
    for (Region r : current.regions()) {
      if (r.dimms().stream().anyMatch(dimms::contains)) {
        regions.add(r.name());
      }
    }
    for (DaxDevice other : current.devices()) {
      if (regions.contains(other.region()) && KernelPaths.KMEM.equals(driver(other))) {
        throw new StepFailure(
            Reason.EraseWaiting,
            other.name() + " on the same DIMMs is still system-ram: not erasing in use memory");
      }
      // Disabling the region would take the device away before its kmem id is removed (an
      // earlier agent died between kmem's unbind and remove_id): the id would stay behind.
      if (regions.contains(other.region())
          && !other.name().equals(d.name())
          && kmemPending.contains(other.name())) {
        throw new StepFailure(
            Reason.EraseWaiting,
            other.name() + " on the same DIMMs is not yet off kmem: not erasing yet");
      }
    }
    for (String region : regions) {
      String dir = KernelPaths.ND_DEVICES + "/" + region;
      for (String ns : kernel.list(dir)) {
        if (!ns.matches("^namespace\\d+\\.\\d+$")
            || kernel.readTrimmed(dir + "/" + ns + "/size").map(v -> v.equals("0")).orElse(true)) {
          continue;
        }
        String mode = kernel.readTrimmed(dir + "/" + ns + "/mode").orElse("raw");
        if (!mode.equals("dax") && !mode.equals("devdax")) {
          throw new StepFailure(
              Reason.EraseUnsafe,
              ns
                  + " ("
                  + mode
                  + ") in "
                  + region
                  + " shares the DIMMs "
                  + dimms
                  + " of "
                  + d.name()
                  + ": not erasing memory that is not the pool's");
        }
      }
    }
    History.Erase intent =
        known
            .map(e -> e.including(dimms, regions))
            .orElseGet(
                () ->
                    History.Erase.intent(
                        s.pool(), s.uid(), s.generation(), dimms, regions, journal.now()));
    record(key, intent);
    runErase(key);
    if (journal.get(key).map(e -> e.erased(dimms)).orElse(false)) {
      erased.add(d.name());
    }
  }

  /**
   * Overwrites the DIMMs of a recorded erase not yet completed, with the erase's regions disabled,
   * and enables them again (also those an agent that died mid-erase left disabled).
   */
  private void runErase(String key) throws StepFailure {
    History.Erase e =
        journal
            .get(key)
            .orElseThrow(() -> new StepFailure(Reason.EraseFailed, key + ": no intent"));
    StepFailure failure = null;
    try {
      if (!e.done()) {
        for (String region : e.regions()) {
          if (enabled(region) && !ndctl.disableRegion(region)) {
            if (ndctl.unavailable().isPresent()) {
              throw new StepFailure(Reason.EraseFailed, ndctlFailed("disable-region " + region));
            }
            throw new StepFailure(
                Reason.EraseWaiting, "ndctl disable-region " + region + " failed (in use?)");
          }
        }
        for (String dimm : e.dimms()) {
          if (e.completed().contains(dimm)) {
            continue;
          }
          Instant since = e.started().get(dimm);
          if (since == null && e.issued().contains(dimm) && overwriteRunning(dimm)) {
            // Asked for by an earlier agent that died before it saw the kernel take it: it runs.
            since = journal.now();
            e = e.withStarted(dimm, since);
            record(key, e);
          }
          if (since == null) {
            // Never issued, or issued and never seen running (the agent died inside the ndctl
            // call, or the call failed): the only case that cannot be told apart, so it runs.
            e = e.withIssued(dimm);
            record(key, e);
            if (!ndctl.overwrite(dimm)) {
              throw new StepFailure(
                  Reason.EraseFailed, ndctlFailed("sanitize-dimm --overwrite " + dimm));
            }
            since = journal.now();
            e = e.withStarted(dimm, since);
            record(key, e);
          }
          if (!overwriteFinished(dimm, since)) {
            throw new StepFailure(
                Reason.EraseInProgress,
                dimm
                    + ": overwrite running since "
                    + since
                    + " (regions "
                    + e.regions()
                    + " stay disabled)");
          }
          e = e.withCompleted(dimm);
          record(key, e);
        }
      }
    } catch (StepFailure f) {
      failure = f;
    } catch (RuntimeException x) {
      enableRegions(e.regions()); // a kernel or ndctl failure: the regions come back
      throw x;
    }
    // Regions stay disabled while an overwrite runs; enabled once all are done, or on failure.
    boolean running =
        failure != null
            && failure.outcome() instanceof Outcome.Stopped stop
            && stop.reason() == Reason.EraseInProgress;
    if (!running) {
      List<String> disabled = enableRegions(e.regions());
      if (failure == null && !disabled.isEmpty()) {
        failure =
            new StepFailure(
                Reason.RegionNotEnabled,
                "the DIMMs "
                    + e.dimms()
                    + " are overwritten, but ndctl enable-region "
                    + String.join(" ", disabled)
                    + " failed: their devices stay away until the region is enabled (see dmesg;"
                    + " a kernel under a hypervisor may refuse it after a security operation)");
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void record(String key, History.Erase e) throws StepFailure {
    try {
      journal.put(key, e);
    } catch (IOException x) {
      throw new StepFailure(
          Reason.RecordWriteFailed,
          "the node record cannot be written (" + x.getMessage() + "): not erasing");
    }
  }

  private boolean enabled(String region) {
    return kernel.exists(KernelPaths.ND_DEVICES + "/" + region + "/driver");
  }

  /** Enables the regions that are disabled; returns those that stay disabled. */
  private List<String> enableRegions(List<String> regions) {
    List<String> failed = new ArrayList<>();
    for (String region : regions) {
      if (kernel.exists(KernelPaths.ND_DEVICES + "/" + region)
          && !enabled(region)
          && !ndctl.enableRegion(region)) {
        LOG.warn("{}: ndctl enable-region failed after the erase", region);
        failed.add(region);
      }
    }
    return failed;
  }

  private boolean overwriteRunning(String dimm) {
    return kernel
        .readTrimmed(KernelPaths.ND_DEVICES + "/" + dimm + "/security")
        .map(v -> v.equals("overwrite"))
        .orElse(true);
  }

  private static String message(StepFailure f) {
    Outcome o = f.outcome();
    return o instanceof Outcome.Stopped x ? x.message() : o.describe();
  }

  /**
   * Whether a DIMM's overwrite is done: {@code security} reads {@code overwrite} while it runs, and
   * for a few seconds the kernel answers ENOTTY (no state flag set); both mean "not yet". One not
   * done within the overwrite timeout (counted from when the record says it started, so a restart
   * does not reset it) fails the erase; a later pass looks again and fails it again until it ends.
   */
  private boolean overwriteFinished(String dimm, Instant since) throws StepFailure {
    if (!overwriteRunning(dimm)) {
      return true;
    }
    if (Duration.between(since, journal.now()).compareTo(overwriteTimeout) > 0) {
      throw new StepFailure(
          Reason.EraseFailed,
          dimm + ": overwrite not finished after " + overwriteTimeout.toMinutes() + " min");
    }
    return false;
  }
}
