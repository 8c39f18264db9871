package io.daxtier.agent.executor;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.plan.Step;
import io.daxtier.agent.policy.Reason;
import io.daxtier.api.v1alpha1.Zone;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A device's way to System RAM: the plan's {@link Step.UnbindDeviceDax}, {@link Step.BindKmem} and
 * {@link Step.OnlineBlocks}, run as one unit in three phases.
 *
 * <ol>
 *   <li>{@link #prepare}: every read and every decision, before the first write. The driver link,
 *       the kmem driver, {@code block_size_bytes}, {@code auto_online_blocks}, the node's MemTotal,
 *       and the block ids, computed from the device's ranges the way kmem aligns them
 *       (kernel-abi.md §2.3), so they are known before kmem has created the blocks. When kmem is
 *       already bound (a pass resuming after a crash), the blocks' states are read here too and
 *       only the offline ones are written. The paths and values to write are built here.
 *   <li>{@link #run}: the writes, back to back, as daxctl does them ({@code device_dax/unbind},
 *       {@code kmem/new_id}, then each block's {@code state}); nothing is read, listed, logged or
 *       first loaded between them on the normal path.
 *   <li>verification, after the last write: the driver is kmem, every onlined block is in the asked
 *       zone, the node grew by the onlined blocks, and hwpoisoned blocks are reported.
 * </ol>
 *
 * Refusals are read back instead of pre-checked: a block that does not exist (ENOENT: kmem did not
 * attach, or a kernel creates blocks differently) makes the conversion check the driver, bind kmem
 * if needed and list the device's blocks once; a block that is already online (EINVAL, e.g. onlined
 * by the kernel or another tool) is left as it is. Everything is derived from sysfs in {@link
 * #prepare}, so a crash at any point is completed by the next pass.
 */
final class KmemConversion {
  /** The reason when kmem does not take the device. */
  private static final String UNBIND = KernelPaths.driver(KernelPaths.DEVICE_DAX, "unbind");

  private static final String NEW_ID = KernelPaths.driver(KernelPaths.KMEM, "new_id");
  private static final String BIND = KernelPaths.driver(KernelPaths.KMEM, "bind");

  private final Kernel kernel;
  private final DaxDevice d;
  private final boolean unbind;
  private final boolean bind;
  private final Step.OnlineBlocks online;
  private final String how;
  private final long blockSize;
  private final long memBefore;
  private final boolean statesAfterBind;
  private final HotplugSwitch hotplug;
  private final boolean manage;
  private final String switchFrom;
  private long[] blocks;
  private String[] statePaths;

  private KmemConversion(
      Kernel kernel,
      DaxDevice d,
      boolean unbind,
      boolean bind,
      Step.OnlineBlocks online,
      long blockSize,
      long memBefore,
      boolean statesAfterBind,
      long[] blocks,
      HotplugSwitch hotplug,
      boolean manage,
      String switchFrom) {
    this.kernel = kernel;
    this.d = d;
    this.unbind = unbind;
    this.bind = bind;
    this.online = online;
    this.how = online == null || online.zone() != Zone.Normal ? "online_movable" : "online_kernel";
    this.blockSize = blockSize;
    this.memBefore = memBefore;
    this.statesAfterBind = statesAfterBind;
    this.hotplug = hotplug;
    this.manage = manage;
    this.switchFrom = switchFrom;
    use(blocks);
  }

  /** Whether a step belongs to the conversion (they are planned together, in this order). */
  static boolean covers(Step s) {
    return s instanceof Step.UnbindDeviceDax
        || s instanceof Step.BindKmem
        || s instanceof Step.OnlineBlocks;
  }

  /**
   * Reads what the conversion needs and decides its writes; writes nothing.
   *
   * @param hotplug the node record's side of auto_online_blocks, or null
   * @param manage whether the agent manages the policy ({@code --hotplug-policy Manage}); else the
   *     kernel's policy is respected
   */
  static KmemConversion prepare(
      Kernel kernel, DaxDevice d, List<Step> steps, HotplugSwitch hotplug, boolean manage)
      throws StepFailure {
    boolean wantUnbind = false;
    boolean wantBind = false;
    Step.OnlineBlocks online = null;
    for (Step s : steps) {
      if (s instanceof Step.UnbindDeviceDax) {
        wantUnbind = true;
      } else if (s instanceof Step.BindKmem) {
        wantBind = true;
      } else if (s instanceof Step.OnlineBlocks o) {
        online = o;
      }
    }
    String drv = DeviceSysfs.driver(kernel, d);
    boolean unbind = wantUnbind && KernelPaths.DEVICE_DAX.equals(drv);
    boolean bind = wantBind && !KernelPaths.KMEM.equals(drv);
    if (bind && drv != null && !unbind) {
      throw new StepFailure(Reason.BoundElsewhere, d.name() + " is bound to " + drv);
    }
    if (bind
        && !kernel.exists(KernelPaths.DAX_DRIVERS + "/" + KernelPaths.KMEM)
        && !kernel.loadModule(KernelPaths.KMEM)) {
      throw new StepFailure(Reason.KmemMissing, "kmem driver not available");
    }
    if (online == null) {
      return new KmemConversion(
          kernel, d, unbind, bind, null, 0, 0, false, new long[0], hotplug, false, null);
    }
    long bs = DeviceSysfs.blockSize(kernel);
    long[] blocks = bs == 0 ? new long[0] : d.blocks(bs);
    if (blocks.length == 0) {
      // kmem rejects a device without a whole block ("without any memory after alignment").
      throw new StepFailure(
          Reason.NoMemoryBlocks,
          d.name() + " holds no whole memory block (block_size_bytes " + bs + ")");
    }
    boolean statesAfterBind = false;
    String switchFrom = null;
    if (KernelPaths.KMEM.equals(drv)) {
      blocks = offlineOnly(kernel, blocks); // resuming: the blocks exist, write only offline ones
    } else if (bind) {
      String auto = kernel.readTrimmed(KernelPaths.AUTO_ONLINE).orElse("offline");
      boolean kernelOnlines = !auto.isEmpty() && !auto.equals("offline");
      if (kernelOnlines && manage && hotplug != null) {
        switchFrom = auto; // offline for the bind, then back
      } else {
        statesAfterBind = kernelOnlines; // the kernel onlines them
      }
    }
    long before = DeviceSysfs.memTotal(kernel, online.targetNode());
    return new KmemConversion(
        kernel,
        d,
        unbind,
        bind,
        online,
        bs,
        before,
        statesAfterBind,
        blocks,
        hotplug,
        manage,
        switchFrom);
  }

  private void use(long[] ids) {
    blocks = ids;
    statePaths = new String[ids.length];
    for (int i = 0; i < ids.length; i++) {
      statePaths[i] = KernelPaths.block(ids[i]) + "/state";
    }
  }

  private static long[] offlineOnly(Kernel kernel, long[] ids) {
    int n = 0;
    long[] out = new long[ids.length];
    for (long b : ids) {
      if (!DeviceSysfs.state(kernel, b).equals("online")) {
        out[n++] = b; // offline, or missing (a write then hits ENOENT and lists the blocks)
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** The writes, then the checks; a refusal the conversion cannot absorb ends the device. */
  void run(List<String> notes) throws StepFailure {
    if (switchFrom != null) {
      hotplug.switchOff(d.name(), switchFrom);
    }
    try {
      if (unbind) {
        kernel.write(UNBIND, d.name());
      }
      if (bind) {
        try {
          // new_id adds the id and calls driver_attach(): this alone binds (real-kernel-notes (3)).
          kernel.write(NEW_ID, d.name());
        } catch (KernelException e) {
          if (e.errno() != Errno.EEXIST) {
            throw e;
          }
          attachKmem(); // the id is there from an earlier, interrupted pass
        }
      }
    } finally {
      if (switchFrom != null) {
        hotplug.restore(notes); // the policy applies when memory is added: the bind is over
      }
    }
    if (online == null) {
      if (bind) {
        attachKmem();
      }
      return;
    }
    if (statesAfterBind) {
      use(offlineOnly(kernel, blocks));
    }
    List<Long> onlined = new ArrayList<>(blocks.length);
    List<Long> poisoned = new ArrayList<>();
    boolean listed = false;
    for (int i = 0; i < blocks.length; i++) {
      try {
        kernel.write(statePaths[i], how);
        onlined.add(blocks[i]);
      } catch (KernelException e) {
        if (e.errno() == Errno.EHWPOISON) {
          poisoned.add(blocks[i]); // the kernel refuses blocks holding hwpoisoned pages (>= 6.1)
        } else if (e.errno() == Errno.EINVAL
            && DeviceSysfs.state(kernel, blocks[i]).equals("online")) {
          // already online: onlined by the kernel, a udev rule or another tool meanwhile
          if (!statesAfterBind && bind) {
            onlinedBySomeoneElse(notes);
          }
          if (manage && reonline(blocks[i])) {
            onlined.add(blocks[i]);
          }
        } else if (e.errno() == Errno.ENOENT && !listed) {
          listed = true;
          attachKmem();
          use(remaining(onlined, poisoned));
          i = -1;
        } else {
          throw e;
        }
      }
    }
    verify(onlined, poisoned, notes);
  }

  private boolean udevNoted;

  /** Blocks came online after a bind the agent expected to leave them offline: a udev rule. */
  private void onlinedBySomeoneElse(List<String> notes) {
    if (udevNoted) {
      return;
    }
    udevNoted = true;
    notes.add(
        "AutoOnlinedByUdev: "
            + d.name()
            + "'s blocks came online by themselves right after the bind (auto_online_blocks is"
            + " offline): a udev rule onlines hot-added memory");
    if (hotplug != null) {
      try {
        hotplug
            .record()
            .recordUdevOnline(
                new io.daxtier.agent.record.NodeRecord.UdevOnline(
                    d.name(), java.time.Instant.now().toString()));
      } catch (java.io.IOException e) {
        notes.add("StateNotDurable: " + e.getMessage());
      }
    }
  }

  private boolean reonline(long block) throws StepFailure {
    return reonline(kernel, block, online.zone(), online.targetNode());
  }

  /**
   * A block the kernel or a udev rule onlined into another zone than the pool's: offlined and
   * onlined again into the pool's zone, only while nothing uses the node's memory; the kernel's
   * refusal to offline (EBUSY: pages it cannot migrate) ends it, nothing is forced. False when the
   * block is not online or already in the pool's zone.
   */
  static boolean reonline(Kernel kernel, long block, Zone zone, int node) throws StepFailure {
    String zones = kernel.readTrimmed(KernelPaths.block(block) + "/valid_zones").orElse("");
    if (!DeviceSysfs.state(kernel, block).equals("online") || zones.startsWith(zone.name())) {
      return false;
    }
    String where =
        "memory" + block + " was onlined into " + zones + " by the kernel or a udev rule";
    if (!DeviceSysfs.unused(kernel, node)) {
      throw new StepFailure(
          Reason.AutoOnlineZone,
          where + "; node" + node + "'s memory is in use, so it is left as it is (not forced)");
    }
    try {
      kernel.write(KernelPaths.block(block) + "/state", "offline");
    } catch (KernelException e) {
      throw new StepFailure(
          Reason.AutoOnlineZone, where + "; the kernel refused to offline it: " + e.errno());
    }
    kernel.write(
        KernelPaths.block(block) + "/state",
        zone == Zone.Normal ? "online_kernel" : "online_movable");
    return true;
  }

  /**
   * Makes sure kmem is bound ({@code kmem/bind} when new_id did not attach; new_id ignores a failed
   * probe, bind returns its error); else fails with {@link Reason#KmemRefused} and the kernel's
   * answer.
   */
  private void attachKmem() throws StepFailure {
    if (KernelPaths.KMEM.equals(DeviceSysfs.driver(kernel, d))) {
      return;
    }
    String refusal = null;
    try {
      kernel.write(BIND, d.name());
    } catch (KernelException e) {
      if (e.errno() != Errno.EBUSY) {
        refusal = "kmem/bind: " + e.errno();
      }
    }
    String drv = DeviceSysfs.driver(kernel, d);
    if (!KernelPaths.KMEM.equals(drv)) {
      throw new StepFailure(
          new Outcome.Stopped(
              Reason.KmemRefused,
              "the kernel's kmem driver refused "
                  + d.name()
                  + " (target_node "
                  + d.targetNode()
                  + (refusal == null ? ", driver " + drv : ", " + refusal)
                  + ")"));
    }
  }

  /** The device's blocks as listed by the kernel, less those done and those already online. */
  private long[] remaining(List<Long> onlined, List<Long> poisoned) throws StepFailure {
    List<Long> listed = DeviceSysfs.scanBlocks(kernel, d);
    if (listed.isEmpty()) {
      throw new StepFailure(
          Reason.NoMemoryBlocks,
          d.name() + ": kmem created no memory blocks in node" + online.targetNode());
    }
    long[] out = new long[listed.size()];
    int n = 0;
    for (long b : listed) {
      if (!onlined.contains(b)
          && !poisoned.contains(b)
          && !DeviceSysfs.state(kernel, b).equals("online")) {
        out[n++] = b;
      }
    }
    return Arrays.copyOf(out, n);
  }

  private void verify(List<Long> onlined, List<Long> poisoned, List<String> notes)
      throws StepFailure {
    if (bind) {
      attachKmem();
    }
    Zone zone = online.zone();
    for (long b : onlined) {
      String zones = kernel.readTrimmed(KernelPaths.block(b) + "/valid_zones").orElse("");
      if (!zones.startsWith(zone.name())) {
        throw new StepFailure(
            Reason.ZoneRace, "memory" + b + " onlined into " + zones + ", not " + zone);
      }
    }
    int node = online.targetNode();
    long grew = DeviceSysfs.memTotal(kernel, node) - memBefore;
    if (grew < onlined.size() * blockSize) {
      throw new StepFailure(
          Reason.MemoryDidNotGrow,
          "node"
              + node
              + " MemTotal grew by "
              + grew
              + " bytes, expected "
              + onlined.size() * blockSize);
    }
    if (!poisoned.isEmpty()) {
      notes.add("HwPoisonedBlocks: " + poisoned);
      throw new StepFailure(
          Reason.HwPoisonedBlocks,
          "the kernel refused to online memory" + poisoned + " (EHWPOISON)");
    }
  }
}
