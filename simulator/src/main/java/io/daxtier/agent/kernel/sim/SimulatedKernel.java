package io.daxtier.agent.kernel.sim;

import static io.daxtier.agent.kernel.sim.SimModel.refuse;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimModel.Dax;
import io.daxtier.agent.kernel.sim.SysfsTree.DirEntry;
import io.daxtier.agent.kernel.sim.SysfsTree.Entry;
import io.daxtier.agent.kernel.sim.SysfsTree.FileEntry;
import io.daxtier.agent.kernel.sim.SysfsTree.LinkEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A kernel in memory that answers reads from a model and applies writes the way the real kernel
 * does (kernel-abi.md §2, real-kernel-notes.md): driver binds move the driver link, binding kmem
 * creates the device's memory blocks, block state writes change node meminfo, offline can be
 * refused, poison can be injected. Where kernel versions differ the node's {@link KernelProfile}
 * (from {@code kernel:}) decides. Failure switches let tests break it on purpose.
 *
 * <p>A facade over the parts that model the node, each in its own class: {@link Platform} (build,
 * boot, parameters, CPUs), {@link DaxBus} (devices and drivers), {@link MemoryBlocks} (hotplug,
 * zones, NUMA nodes), {@link NvdimmBus} (ARS, regions, namespaces), {@link DimmSecurity} and {@link
 * Poison}; {@link SysfsTree} renders them as files. The facade routes each write to its part.
 *
 * <p><b>Thread safety.</b> One lock guards the whole model: this object's monitor. Every public
 * method holds it, reads included (a read may render the tree), so each call sees and leaves a
 * consistent node: a kmem bind adds all of its device's blocks before any reader sees the driver
 * link. The parts are not thread-safe and are only called from here, under the lock; they never
 * call back into the facade, so there is no lock order to keep. One lock rather than one per part
 * because most writes cross parts (binding kmem adds blocks, unbinding it drops poison, every read
 * renders all of them). Callers that need several reads to agree hold the monitor around them:
 * {@code synchronized (kernel) { ... }}.
 */
public final class SimulatedKernel implements Kernel {

  private static final Pattern DRIVER_FILE =
      Pattern.compile("^/sys/bus/dax/drivers/(device_dax|kmem)/(bind|unbind|new_id|remove_id)$");
  private static final Pattern BLOCK_STATE =
      Pattern.compile("^/sys/devices/system/memory/memory(\\d+)/(state|online)$");
  private static final Pattern SCRUB =
      Pattern.compile("^" + NvdimmBus.NFIT_ROOT + "/(ndbus\\d+)/nfit/scrub$");
  private static final Pattern DAX_MEMMAP =
      Pattern.compile("^/sys/.*/(dax\\d+\\.\\d+)/memmap_on_memory$");

  /** Where RHEL keeps the rule that onlines hot-added memory ({@code udevOnline:}). */
  public static final String REDHAT_RULES = "/usr/lib/udev/rules.d/40-redhat.rules";

  /** One write the agent made and how the kernel answered (null errno: accepted). */
  public record Write(String path, String value, Errno errno) {}

  /** Thrown instead of a write to simulate the agent dying at that point. */
  public static final class SimulatedCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SimulatedCrash(String path) {
      super("simulated crash before writing " + path);
    }
  }

  private final SimModel model = new SimModel();
  private final Platform platform = new Platform();
  private final Poison poison = new Poison(model, platform);
  private final MemoryBlocks memory = new MemoryBlocks(model, platform, poison);
  private final DaxBus dax = new DaxBus(model, platform, memory);
  private final NvdimmBus nvdimm = new NvdimmBus(model);
  private final DimmSecurity security = new DimmSecurity(model);
  private final SysfsTree tree = new SysfsTree(this::render);

  // failure switches and counters of the facade itself
  private int crashAfterWrites = -1;
  private final List<Write> writes = new ArrayList<>();

  SimulatedKernel() {}

  /** Builds a kernel from a node description. */
  public static SimulatedKernel from(SimNodeSpec spec) {
    SimulatedKernel k = new SimulatedKernel();
    synchronized (k) {
      NodeLoader.load(spec, k.model, k.platform, k.memory, k.dax);
      k.tree.invalidate();
    }
    return k;
  }

  /** Every mutator ends here: the rendered tree no longer matches the model. */
  private void changed() {
    tree.invalidate();
  }

  // ---- failure switches, injection and counters (for tests and the sandbox) ----

  /** Makes {@code offline} writes to this block fail with EBUSY until cleared. */
  public synchronized void busyOnOffline(long block) {
    memory.busyOnOffline.add(block);
  }

  public synchronized void clearBusy() {
    memory.busyOnOffline.clear();
  }

  /** The agent "dies" (a {@link SimulatedCrash}) instead of making its next write after n more. */
  public synchronized void crashAfterWrites(int n) {
    crashAfterWrites = n;
  }

  public synchronized void clearCrash() {
    crashAfterWrites = -1;
  }

  /** Keeps every started ARS in progress. */
  public synchronized void holdScrub(boolean hold) {
    nvdimm.holdScrub = hold;
  }

  /**
   * Keeps every overwrite started from now on running ({@code security} reads {@code overwrite});
   * false finishes the running ones ({@code security} back to what it was).
   */
  public synchronized void holdOverwrite(boolean hold) {
    security.hold(hold);
    changed();
  }

  /** Makes kmem's probe of this device fail with EINVAL, as for a region with no valid node. */
  public synchronized void refuseKmem(String device) {
    dax.kmemRefuses.add(device);
  }

  /**
   * Makes enable-region fail, as a 6.2+ kernel under a hypervisor does after a security operation
   * ("Failed to synchronize CPU cache state"): the region stays disabled.
   */
  public synchronized void refuseEnableRegion(boolean refuse) {
    nvdimm.enableRegionRefused = refuse;
  }

  /** Makes clear-errors leave the bad blocks in place. */
  public synchronized void clearErrorsFails(boolean fails) {
    nvdimm.clearErrorsFails = fails;
  }

  public synchronized void setAutoOnline(String policy) {
    platform.autoOnline = policy;
    changed();
  }

  /**
   * Installs (a state such as {@code online}) or removes (null) a udev rule that onlines every
   * block kmem adds, as the node file's {@code udevOnline:} does.
   */
  public synchronized void setUdevOnline(String state) {
    platform.udevOnline = state;
    changed();
  }

  /** The kernel-version behaviour this node follows (from its {@code kernel:}). */
  public synchronized KernelProfile profile() {
    return platform.profile;
  }

  public synchronized void setDimmSecurity(String dimm, String security, boolean frozen) {
    this.security.set(dimm, security, frozen);
    changed();
  }

  /** A new bad-block range appears in a region (as after an ARS or an MCE). */
  public synchronized void addBadBlock(String region, long sector, int count) {
    model.regions.get(region).badBlocks.put(sector, count);
    changed();
  }

  /** Unloads kmem and makes it unloadable. */
  public synchronized void removeKmem() {
    platform.kmemLoaded = false;
    platform.kmemLoadable = false;
    changed();
  }

  public synchronized List<Write> writes() {
    return List.copyOf(writes);
  }

  public synchronized void clearWrites() {
    writes.clear();
  }

  /** Writes the kernel accepted. */
  public synchronized List<Write> acceptedWrites() {
    return writes.stream().filter(w -> w.errno() == null).collect(Collectors.toList());
  }

  public synchronized long blockSize() {
    return platform.blockSize;
  }

  public synchronized Set<Long> poisonedPages() {
    return Set.copyOf(poison.pages);
  }

  public synchronized int dimmOverwrites(String dimm) {
    return security.overwrites(dimm);
  }

  /** The device names written to kmem's {@code new_id} and not removed again. */
  public synchronized Set<String> kmemIds() {
    return Set.copyOf(dax.kmemIds);
  }

  /** The driver a device is bound to, or null. */
  public synchronized String driverOf(String device) {
    Dax d = model.devices.get(device);
    return d == null ? null : d.driver;
  }

  /** Whether a device's range was leaked by unbinding kmem with blocks online. */
  public synchronized boolean leaked(String device) {
    return model.devices.get(device).leaked;
  }

  /**
   * Writes the current tree as real files and symlinks under a directory, so {@code
   * io.daxtier.agent.kernel.HostKernel} can read the same node (parity tests, fixtures).
   */
  public synchronized void materialize(Path root) throws IOException {
    for (Map.Entry<String, Entry> e : tree.entries().entrySet()) {
      Path p = root.resolve(e.getKey().substring(1));
      if (e.getValue() instanceof DirEntry) {
        Files.createDirectories(p);
      } else if (e.getValue() instanceof FileEntry f) {
        Files.createDirectories(p.getParent());
        if (platform.hasMsr(e.getKey())) {
          byte[] msr = new byte[0x179 + 8]; // the msr device is read at the MSR's offset
          ByteBuffer.wrap(msr, 0x179, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(platform.mcgCap);
          Files.write(p, msr);
        } else {
          Files.writeString(p, f.content());
        }
      } else if (e.getValue() instanceof LinkEntry l) {
        Files.createDirectories(p.getParent());
        Path target = root.resolve(l.target().substring(1));
        Files.createSymbolicLink(p, p.getParent().relativize(target));
      }
    }
  }

  // ---- operations ndctl performs through ioctls (used by SimulatedNdctl) ----

  /** Starts an ARS; false when the bus has none. */
  public synchronized boolean startScrub(String bus) {
    boolean started = nvdimm.startScrub(bus);
    changed();
    return started;
  }

  /** Completes a running ARS unless held; true when no ARS is running afterwards. */
  public synchronized boolean awaitScrub(String bus) {
    boolean done = nvdimm.awaitScrub(bus);
    changed();
    return done;
  }

  /** The region of a dax device. */
  public synchronized String regionOf(String device) {
    Dax d = model.devices.get(device);
    return d == null ? null : d.region;
  }

  /** Clears known poison in a region (ND_CMD_CLEAR_ERROR); false when it could not. */
  public synchronized boolean clearErrors(String region) {
    boolean cleared = nvdimm.clearErrors(region);
    changed();
    return cleared;
  }

  /**
   * Overwrites a DIMM (ndctl sanitize-dimm --overwrite); false when frozen, locked or unsupported.
   */
  public synchronized boolean overwriteDimm(String dimm) {
    boolean started = security.overwrite(dimm);
    changed();
    return started;
  }

  /**
   * Disables a region (ndctl disable-region): its namespaces and dax devices go away until it is
   * enabled; refused (false) while one of its devices is bound to kmem.
   */
  public synchronized boolean disableRegion(String region) {
    boolean disabled = nvdimm.disableRegion(region);
    changed();
    return disabled;
  }

  /** Enables a region again: its dax devices come back, bound to device_dax. */
  public synchronized boolean enableRegion(String region) {
    boolean enabled = nvdimm.enableRegion(region);
    changed();
    return enabled;
  }

  /** Whether a region is disabled (ndctl disable-region without enable-region). */
  public synchronized boolean regionDisabled(String region) {
    return model.regions.get(region).disabled;
  }

  /** Creates a devdax namespace in a region's free space; empty when there is no room. */
  public synchronized Optional<String> createNamespace(String region, long size) {
    Optional<String> created = nvdimm.createNamespace(region, size);
    changed();
    return created;
  }

  // ---- Kernel ----

  @Override
  public synchronized Optional<String> read(String path) {
    return tree.read(path);
  }

  @Override
  public synchronized List<String> list(String dir) {
    return tree.list(dir);
  }

  @Override
  public synchronized Optional<String> readlink(String path) {
    return tree.readlink(path);
  }

  @Override
  public synchronized boolean exists(String path) {
    return tree.exists(path);
  }

  @Override
  public synchronized Optional<byte[]> readAt(String path, long offset, int length) {
    Optional<byte[]> msr = platform.readMsr(path, offset, length);
    if (msr.isPresent()) {
      return msr;
    }
    if (path.equals(KernelPaths.KPAGEFLAGS)) {
      return poison.kpageflags(offset, length);
    }
    return Optional.empty();
  }

  @Override
  public synchronized boolean loadModule(String name) {
    boolean loaded = dax.loadModule(name);
    changed();
    return loaded;
  }

  @Override
  public synchronized void write(String path, String value) {
    if (crashAfterWrites == 0) {
      throw new SimulatedCrash(path);
    }
    String resolved = tree.resolve(path);
    try {
      apply(resolved, value.trim());
      writes.add(new Write(path, value, null));
      if (crashAfterWrites > 0) {
        crashAfterWrites--;
      }
    } catch (KernelException e) {
      writes.add(new Write(path, value, e.errno()));
      throw new KernelException(path, value, e.errno(), null);
    } finally {
      changed();
    }
  }

  /** Routes a write to the part that models the file. */
  private void apply(String path, String value) {
    Matcher m = DRIVER_FILE.matcher(path);
    if (m.matches()) {
      dax.driverWrite(path, m.group(1), m.group(2), value);
      return;
    }
    m = BLOCK_STATE.matcher(path);
    if (m.matches()) {
      memory.write(path, Long.parseLong(m.group(1)), m.group(2), value);
      return;
    }
    m = DAX_MEMMAP.matcher(path);
    if (m.matches()
        && model.devices.containsKey(m.group(1))
        && platform.profile.daxMemmapOnMemory()) {
      dax.memmapWrite(path, model.devices.get(m.group(1)), value);
      return;
    }
    m = SCRUB.matcher(path);
    if (m.matches()) {
      nvdimm.scrubWrite(path, m.group(1), value);
      return;
    }
    switch (path) {
      case KernelPaths.HARD_OFFLINE_PAGE -> poison.offline(path, value, true);
      case KernelPaths.MEMORY + "/soft_offline_page" -> poison.offline(path, value, false);
      default -> {
        if (platform.write(path, value)) {
          return;
        }
        if (tree.entries().containsKey(path)) {
          throw refuse(path, value, Errno.EACCES);
        }
        throw refuse(path, value, Errno.ENOENT);
      }
    }
  }

  // ---- rendering the tree from the model ----

  private void render(SysfsTree.Builder r) {
    platform.render(r, memory.meminfo(null));
    dax.render(r);
    nvdimm.render(r);
    memory.render(r);
  }
}
