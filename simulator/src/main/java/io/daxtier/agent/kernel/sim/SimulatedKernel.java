package io.daxtier.agent.kernel.sim;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.KernelPaths;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A kernel in memory that answers reads from a model and applies writes the way the real kernel
 * does (kernel-abi.md §2, real-kernel-notes.md): driver binds move the driver link, binding kmem
 * creates the device's memory blocks, block state writes change node meminfo, offline can be
 * refused, poison can be injected. Where kernel versions differ the node's {@link KernelProfile}
 * (from {@code kernel:}) decides. Failure switches let tests break it on purpose.
 */
public final class SimulatedKernel implements Kernel {

  private static final String NFIT_ROOT = "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00";
  private static final Pattern DAX_NAME = Pattern.compile("^dax(\\d+)\\.(\\d+)$");
  private static final Pattern DRIVER_FILE =
      Pattern.compile("^/sys/bus/dax/drivers/(device_dax|kmem)/(bind|unbind|new_id|remove_id)$");
  private static final Pattern BLOCK_STATE =
      Pattern.compile("^/sys/devices/system/memory/memory(\\d+)/(state|online)$");
  private static final Pattern SCRUB =
      Pattern.compile("^" + NFIT_ROOT + "/(ndbus\\d+)/nfit/scrub$");
  private static final Pattern DAX_MEMMAP =
      Pattern.compile("^/sys/.*/(dax\\d+\\.\\d+)/memmap_on_memory$");
  private static final Pattern SAFE_RELEASE = Pattern.compile("^[A-Za-z0-9._+~-]+$");

  static final String HOTPLUG_PARAMS = "/sys/module/memory_hotplug/parameters";
  static final String AUTO_MOVABLE_RATIO = HOTPLUG_PARAMS + "/auto_movable_ratio";
  static final String AUTO_MOVABLE_NUMA_AWARE = HOTPLUG_PARAMS + "/auto_movable_numa_aware";
  static final String MEMMAP_ON_MEMORY = HOTPLUG_PARAMS + "/memmap_on_memory";

  /** Where RHEL keeps the rule that onlines hot-added memory ({@code udevOnline:}). */
  public static final String REDHAT_RULES = "/usr/lib/udev/rules.d/40-redhat.rules";

  private static final Set<String> ONLINE_TYPES =
      Set.of("offline", "online", "online_kernel", "online_movable");

  /** One write the agent made and how the kernel answered (null errno: accepted). */
  public record Write(String path, String value, Errno errno) {}

  /** Thrown instead of a write to simulate the agent dying at that point. */
  public static final class SimulatedCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SimulatedCrash(String path) {
      super("simulated crash before writing " + path);
    }
  }

  sealed interface Entry permits FileEntry, DirEntry, LinkEntry {}

  record FileEntry(String content) implements Entry {}

  record DirEntry() implements Entry {}

  record LinkEntry(String target) implements Entry {}

  static final class Numa {
    int id;
    String cpus = "";
    long baseTotal;
    long baseFree;
    List<Integer> distances = new ArrayList<>();
    KernelProfile.Perf perf;
  }

  static final class Bus {
    String name;
    boolean ars;
    int scrubCount;
    boolean scrubbing;
  }

  static final class Dimm {
    String name;
    String bus;
    String security;
    boolean frozen;
    int overwrites;

    /** The security state an overwrite kept running ({@link #holdOverwrite}) returns to. */
    String securityBeforeOverwrite;
  }

  static final class Region {
    String name;
    String bus;
    String type;
    long start;
    long size;
    int targetNode;
    int numaNode;
    List<String> dimms = new ArrayList<>();
    TreeMap<Long, Integer> badBlocks = new TreeMap<>();
    boolean disabled;
  }

  static final class Dax {
    String name;
    String region;
    long start;
    long size;
    int targetNode;
    int numaNode;
    String driver;
    boolean leaked;
    boolean memmapOnMemory;
  }

  static final class Block {
    long index;
    int node;
    boolean online;
    String zone;
    String device;
    long memmapBytes;
  }

  // platform
  private String release = KernelProfile.DEFAULT_RELEASE;
  private KernelProfile profile = KernelProfile.of(release);
  private String onlinePolicy = "contig-zones";
  private int autoMovableRatio = 301;
  private boolean autoMovableNumaAware = true;
  private String memmapOnMemory = "N";
  private boolean movableNode;
  private String udevOnline;
  private long blockSize = 128 * SimSizes.MIB;
  private String autoOnline = "offline";
  private boolean demotion;
  private String cmdline = "console=ttyS0";
  private boolean kmemLoaded = true;
  private boolean kmemLoadable = true;
  private boolean classModel;
  private String cpuVendor = "GenuineIntel";
  private int cpuFamily = 6;
  private int cpuModel = 85;
  private List<String> cpuFlags = List.of("fpu", "mce", "erms");
  private Long mcgCap;
  private int cpuCount = 2;

  final TreeMap<Integer, Numa> nodes = new TreeMap<>();
  final Map<String, Bus> buses = new LinkedHashMap<>();
  final Map<String, Dimm> dimms = new LinkedHashMap<>();
  final Map<String, Region> regions = new LinkedHashMap<>();
  final Map<String, Dax> devices = new TreeMap<>();
  final TreeMap<Long, Block> blocks = new TreeMap<>();
  private final Set<String> kmemIds = new HashSet<>();
  private final Set<String> devdaxIds = new HashSet<>();
  private final Set<Long> poisonedPages = new TreeSet<>();
  private long leakedPoisonPages;

  // failure switches and counters
  private final Set<Long> busyOnOffline = new HashSet<>();
  private boolean holdScrub;
  private boolean holdOverwrite;
  private boolean clearErrorsFails;
  private final Set<String> kmemRefuses = new HashSet<>();
  private int crashAfterWrites = -1;
  private final List<Write> writes = new ArrayList<>();

  private TreeMap<String, Entry> tree;

  SimulatedKernel() {}

  /** Builds a kernel from a node description. */
  public static SimulatedKernel from(SimNodeSpec spec) {
    SimulatedKernel k = new SimulatedKernel();
    k.load(spec);
    return k;
  }

  private void load(SimNodeSpec s) {
    if (s.kernel() != null) {
      release = s.kernel();
    }
    profile = KernelProfile.of(release);
    if (s.blockSize() != null) {
      blockSize = SimSizes.parse(s.blockSize());
    }
    demotion = Boolean.TRUE.equals(s.demotionEnabled());
    if (s.cmdline() != null) {
      cmdline = s.cmdline();
    }
    bootParameters();
    if (s.autoOnlineBlocks() != null) {
      autoOnline = s.autoOnlineBlocks(); // as if written at run time: wins over boot and build
    }
    if (s.onlinePolicy() != null) {
      if (!Set.of("contig-zones", "auto-movable").contains(s.onlinePolicy())) {
        throw new IllegalArgumentException("onlinePolicy " + s.onlinePolicy());
      }
      onlinePolicy = s.onlinePolicy();
    }
    if (s.udevOnline() != null) {
      if (!Set.of("online", "online_kernel", "online_movable").contains(s.udevOnline())) {
        throw new IllegalArgumentException("udevOnline " + s.udevOnline());
      }
      udevOnline = s.udevOnline();
    }
    kmemLoaded = s.kmem() == null || s.kmem();
    kmemLoadable = s.kmemLoadable() == null ? kmemLoaded : s.kmemLoadable();
    classModel = Boolean.TRUE.equals(s.classModel());
    if (s.cpu() != null) {
      SimNodeSpec.Cpu c = s.cpu();
      cpuVendor = c.vendor() == null ? cpuVendor : c.vendor();
      cpuFamily = c.family() == null ? cpuFamily : c.family();
      cpuModel = c.model() == null ? cpuModel : c.model();
      cpuFlags = c.flags() == null ? cpuFlags : List.copyOf(c.flags());
      mcgCap = c.mcgCap() == null ? null : SimSizes.parseHex(c.mcgCap());
      cpuCount = c.cpus() == null ? cpuCount : c.cpus();
    }
    for (SimNodeSpec.Numa n : orEmpty(s.numaNodes())) {
      Numa m = new Numa();
      m.id = n.id();
      m.cpus = n.cpus() == null ? "" : n.cpus();
      m.baseTotal = n.memTotal() == null ? 0 : SimSizes.parse(n.memTotal());
      m.baseFree = n.memFree() == null ? m.baseTotal / 2 : SimSizes.parse(n.memFree());
      m.distances = n.distances() == null ? new ArrayList<>() : new ArrayList<>(n.distances());
      if (n.access1() != null) {
        SimNodeSpec.Access a = n.access1();
        m.perf =
            new KernelProfile.Perf(
                orZero(a.readLatency()),
                orZero(a.writeLatency()),
                orZero(a.readBandwidth()),
                orZero(a.writeBandwidth()));
      }
      nodes.put(m.id, m);
    }
    for (SimNodeSpec.Bus b : orEmpty(s.buses())) {
      Bus m = new Bus();
      m.name = b.name();
      m.ars = Boolean.TRUE.equals(b.ars());
      m.scrubCount = b.scrubCount() == null ? 0 : b.scrubCount();
      buses.put(m.name, m);
    }
    for (SimNodeSpec.Dimm d : orEmpty(s.dimms())) {
      Dimm m = new Dimm();
      m.name = d.name();
      m.bus = d.bus() == null ? "ndbus0" : d.bus();
      m.security = d.security();
      m.frozen = Boolean.TRUE.equals(d.frozen());
      dimms.put(m.name, m);
    }
    for (SimNodeSpec.Region r : orEmpty(s.regions())) {
      Region m = new Region();
      m.name = r.name();
      m.bus = r.bus() == null ? "ndbus0" : r.bus();
      m.type = r.type() == null ? "pmem" : r.type();
      m.start = SimSizes.parse(r.start());
      m.size = SimSizes.parse(r.size());
      m.targetNode = r.targetNode() == null ? 1 : r.targetNode();
      m.numaNode = r.numaNode() == null ? 0 : r.numaNode();
      m.dimms = r.dimms() == null ? new ArrayList<>() : new ArrayList<>(r.dimms());
      for (SimNodeSpec.BadBlock bb : orEmpty(r.badBlocks())) {
        m.badBlocks.put(bb.sector(), bb.count());
      }
      regions.put(m.name, m);
      if (m.type.equals("pmem") && !buses.containsKey(m.bus)) {
        Bus b = new Bus();
        b.name = m.bus;
        buses.put(b.name, b);
      }
    }
    for (SimNodeSpec.Dax d : orEmpty(s.daxDevices())) {
      Region r = regions.get(d.region());
      if (r == null) {
        throw new IllegalArgumentException(d.name() + ": unknown region " + d.region());
      }
      Dax m = new Dax();
      m.name = d.name();
      m.region = r.name;
      m.start = d.start() == null ? r.start + 18 * SimSizes.MIB : SimSizes.parse(d.start());
      m.size = d.size() == null ? r.start + r.size - m.start : SimSizes.parse(d.size());
      m.targetNode = d.targetNode() == null ? r.targetNode : d.targetNode();
      m.numaNode = r.numaNode;
      // drivers/dax/cxl.c creates CXL devices with .memmap_on_memory = true (6.8+)
      m.memmapOnMemory = d.memmapOnMemory() == null ? r.type.equals("cxl") : d.memmapOnMemory();
      devices.put(m.name, m);
      String mode = d.mode() == null ? "devdax" : d.mode();
      switch (mode) {
        case "devdax" -> m.driver = KernelPaths.DEVICE_DAX;
        case "unbound" -> m.driver = null;
        case "system-ram" -> {
          m.driver = KernelPaths.KMEM;
          kmemIds.add(m.name);
          addBlocks(m, Boolean.TRUE.equals(d.online()) ? zoneWrite(d.zone()) : "offline", false);
        }
        default -> throw new IllegalArgumentException(d.name() + ": mode " + mode);
      }
    }
    tree = null;
  }

  private static String zoneWrite(String zone) {
    return "Normal".equals(zone) ? "online_kernel" : "online_movable";
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }

  /**
   * What the command line sets at boot, as the kernel parses it: {@code memhp_default_state=} (the
   * last valid one; an unknown value leaves the build default, mm/memory_hotplug.c {@code
   * setup_memhp_default_state()}), the {@code memory_hotplug.*} parameters of the built-in
   * memory_hotplug code, and {@code movable_node}.
   */
  private void bootParameters() {
    autoOnline = profile.buildDefaultOnline();
    for (String arg : cmdline.trim().split("\\s+")) {
      int eq = arg.indexOf('=');
      String key = (eq < 0 ? arg : arg.substring(0, eq)).replace('-', '_');
      String value = eq < 0 ? "" : arg.substring(eq + 1);
      switch (key) {
        case "memhp_default_state" -> {
          if (ONLINE_TYPES.contains(value)) {
            autoOnline = value;
          }
        }
        case "memory_hotplug.online_policy" -> {
          if (value.equals("contig-zones") || value.equals("auto-movable")) {
            onlinePolicy = value;
          }
        }
        case "memory_hotplug.auto_movable_ratio" -> {
          if (value.matches("\\d{1,9}")) {
            autoMovableRatio = Integer.parseInt(value);
          }
        }
        case "memory_hotplug.auto_movable_numa_aware" ->
            parseBool(value).ifPresent(b -> autoMovableNumaAware = b);
        case "memory_hotplug.memmap_on_memory" -> {
          if (value.equals("force") && profile.memmapOnMemoryForce()) {
            memmapOnMemory = "force";
          } else {
            parseBool(value.isEmpty() ? "1" : value).ifPresent(b -> memmapOnMemory = b ? "Y" : "N");
          }
        }
        case "movable_node" -> movableNode = true;
        default -> {
          // not modelled
        }
      }
    }
  }

  /** lib/kstrtox.c {@code kstrtobool()}: 1/0, y/n, t/f, on/off, by their first letters. */
  private static Optional<Boolean> parseBool(String v) {
    if (v.isEmpty()) {
      return Optional.empty();
    }
    String l = v.toLowerCase(java.util.Locale.ROOT);
    return switch (l.charAt(0)) {
      case '1', 'y', 't' -> Optional.of(true);
      case '0', 'n', 'f' -> Optional.of(false);
      case 'o' ->
          l.startsWith("on")
              ? Optional.of(true)
              : l.startsWith("of") ? Optional.of(false) : Optional.empty();
      default -> Optional.empty();
    };
  }

  private static <T> List<T> orEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }

  // ---- failure switches, injection and counters (for tests and the sandbox) ----

  /** Makes {@code offline} writes to this block fail with EBUSY until cleared. */
  public void busyOnOffline(long block) {
    busyOnOffline.add(block);
  }

  public void clearBusy() {
    busyOnOffline.clear();
  }

  /** The agent "dies" (a {@link SimulatedCrash}) instead of making its next write after n more. */
  public void crashAfterWrites(int n) {
    crashAfterWrites = n;
  }

  public void clearCrash() {
    crashAfterWrites = -1;
  }

  /** Keeps every started ARS in progress. */
  public void holdScrub(boolean hold) {
    holdScrub = hold;
  }

  /**
   * Keeps every overwrite started from now on running ({@code security} reads {@code overwrite});
   * false finishes the running ones ({@code security} back to what it was).
   */
  public void holdOverwrite(boolean hold) {
    holdOverwrite = hold;
    if (!hold) {
      for (Dimm d : dimms.values()) {
        if (d.securityBeforeOverwrite != null) {
          d.security = d.securityBeforeOverwrite;
          d.securityBeforeOverwrite = null;
        }
      }
    }
    tree = null;
  }

  private boolean enableRegionRefused;

  /** Makes kmem's probe of this device fail with EINVAL, as for a region with no valid node. */
  public void refuseKmem(String device) {
    kmemRefuses.add(device);
  }

  /**
   * Makes enable-region fail, as a 6.2+ kernel under a hypervisor does after a security operation
   * ("Failed to synchronize CPU cache state"): the region stays disabled.
   */
  public void refuseEnableRegion(boolean refuse) {
    enableRegionRefused = refuse;
  }

  /** Makes clear-errors leave the bad blocks in place. */
  public void clearErrorsFails(boolean fails) {
    clearErrorsFails = fails;
  }

  public void setAutoOnline(String policy) {
    autoOnline = policy;
    tree = null;
  }

  /**
   * Installs (a state such as {@code online}) or removes (null) a udev rule that onlines every
   * block kmem adds, as the node file's {@code udevOnline:} does.
   */
  public void setUdevOnline(String state) {
    udevOnline = state;
    tree = null;
  }

  /** The kernel-version behaviour this node follows (from its {@code kernel:}). */
  public KernelProfile profile() {
    return profile;
  }

  public void setDimmSecurity(String dimm, String security, boolean frozen) {
    Dimm d = dimms.get(dimm);
    d.security = security;
    d.frozen = frozen;
    tree = null;
  }

  /** A new bad-block range appears in a region (as after an ARS or an MCE). */
  public void addBadBlock(String region, long sector, int count) {
    regions.get(region).badBlocks.put(sector, count);
    tree = null;
  }

  /** Unloads kmem and makes it unloadable. */
  public void removeKmem() {
    kmemLoaded = false;
    kmemLoadable = false;
    tree = null;
  }

  public List<Write> writes() {
    return List.copyOf(writes);
  }

  public void clearWrites() {
    writes.clear();
  }

  /** Writes the kernel accepted. */
  public List<Write> acceptedWrites() {
    return writes.stream().filter(w -> w.errno() == null).collect(Collectors.toList());
  }

  public long blockSize() {
    return blockSize;
  }

  public Set<Long> poisonedPages() {
    return Set.copyOf(poisonedPages);
  }

  public int dimmOverwrites(String dimm) {
    return dimms.get(dimm).overwrites;
  }

  /** The device names written to kmem's {@code new_id} and not removed again. */
  public Set<String> kmemIds() {
    return Set.copyOf(kmemIds);
  }

  /** The driver a device is bound to, or null. */
  public String driverOf(String device) {
    Dax d = devices.get(device);
    return d == null ? null : d.driver;
  }

  /** Whether a device's range was leaked by unbinding kmem with blocks online. */
  public boolean leaked(String device) {
    return devices.get(device).leaked;
  }

  /**
   * Writes the current tree as real files and symlinks under a directory, so {@code
   * io.daxtier.agent.kernel.HostKernel} can read the same node (parity tests, fixtures).
   */
  public void materialize(java.nio.file.Path root) throws java.io.IOException {
    for (Map.Entry<String, Entry> e : tree().entrySet()) {
      java.nio.file.Path p = root.resolve(e.getKey().substring(1));
      if (e.getValue() instanceof DirEntry) {
        java.nio.file.Files.createDirectories(p);
      } else if (e.getValue() instanceof FileEntry f) {
        java.nio.file.Files.createDirectories(p.getParent());
        if (e.getKey().matches("^/dev/cpu/\\d+/msr$") && mcgCap != null) {
          byte[] msr = new byte[0x179 + 8]; // the msr device is read at the MSR's offset
          ByteBuffer.wrap(msr, 0x179, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(mcgCap);
          java.nio.file.Files.write(p, msr);
        } else {
          java.nio.file.Files.writeString(p, f.content());
        }
      } else if (e.getValue() instanceof LinkEntry l) {
        java.nio.file.Files.createDirectories(p.getParent());
        java.nio.file.Path target = root.resolve(l.target().substring(1));
        java.nio.file.Files.createSymbolicLink(p, p.getParent().relativize(target));
      }
    }
  }

  // ---- operations ndctl performs through ioctls (used by SimulatedNdctl) ----

  /** Starts an ARS; false when the bus has none. */
  public boolean startScrub(String bus) {
    Bus b = buses.get(bus);
    if (b == null || !b.ars) {
      return false;
    }
    b.scrubbing = true;
    tree = null;
    return true;
  }

  /** Completes a running ARS unless held; true when no ARS is running afterwards. */
  public boolean awaitScrub(String bus) {
    Bus b = buses.get(bus);
    if (b == null || !b.ars) {
      return false;
    }
    if (b.scrubbing && !holdScrub) {
      b.scrubbing = false;
      b.scrubCount++;
      tree = null;
    }
    return !b.scrubbing;
  }

  /** The region of a dax device. */
  public String regionOf(String device) {
    Dax d = devices.get(device);
    return d == null ? null : d.region;
  }

  /** Clears known poison in a region (ND_CMD_CLEAR_ERROR); false when it could not. */
  public boolean clearErrors(String region) {
    Region r = regions.get(region);
    if (r == null || clearErrorsFails) {
      return false;
    }
    r.badBlocks.clear();
    tree = null;
    return true;
  }

  /**
   * Overwrites a DIMM (ndctl sanitize-dimm --overwrite); false when frozen, locked or unsupported.
   */
  public boolean overwriteDimm(String dimm) {
    Dimm d = dimms.get(dimm);
    if (d == null
        || d.security == null
        || d.frozen
        || "locked".equals(d.security)
        || d.securityBeforeOverwrite != null) {
      return false; // EBUSY while an overwrite runs
    }
    d.overwrites++;
    if (holdOverwrite) {
      d.securityBeforeOverwrite = d.security;
      d.security = "overwrite";
      tree = null;
    }
    return true;
  }

  /**
   * Disables a region (ndctl disable-region): its namespaces and dax devices go away until it is
   * enabled; refused (false) while one of its devices is bound to kmem.
   */
  public boolean disableRegion(String region) {
    Region r = regions.get(region);
    if (r == null) {
      return false;
    }
    for (Dax d : devices.values()) {
      if (d.region.equals(region) && KernelPaths.KMEM.equals(d.driver)) {
        return false;
      }
    }
    r.disabled = true;
    tree = null;
    return true;
  }

  /** Enables a region again: its dax devices come back, bound to device_dax. */
  public boolean enableRegion(String region) {
    Region r = regions.get(region);
    if (r == null || (r.disabled && enableRegionRefused)) {
      return false;
    }
    if (r.disabled) {
      r.disabled = false;
      for (Dax d : devices.values()) {
        if (d.region.equals(region)) {
          d.driver = KernelPaths.DEVICE_DAX;
        }
      }
    }
    tree = null;
    return true;
  }

  /** Whether a region is disabled (ndctl disable-region without enable-region). */
  public boolean regionDisabled(String region) {
    return regions.get(region).disabled;
  }

  /** Creates a devdax namespace in a region's free space; empty when there is no room. */
  public Optional<String> createNamespace(String region, long size) {
    Region r = regions.get(region);
    if (r == null) {
      return Optional.empty();
    }
    long used = r.start;
    for (Dax d : devices.values()) {
      if (d.region.equals(region)) {
        used = Math.max(used, d.start + d.size);
      }
    }
    long free = r.start + r.size - used;
    long want = size <= 0 ? free : size;
    if (want > free || want <= 18 * SimSizes.MIB) {
      return Optional.empty();
    }
    int regionId = Integer.parseInt(region.replaceAll("\\D", ""));
    int idx = 0;
    while (devices.containsKey("dax" + regionId + "." + idx)) {
      idx++;
    }
    Dax d = new Dax();
    d.name = "dax" + regionId + "." + idx;
    d.region = region;
    d.start = used + 18 * SimSizes.MIB; // info block + map=dev memmap, as on QEMU
    d.size = want - 18 * SimSizes.MIB;
    d.targetNode = r.targetNode;
    d.numaNode = r.numaNode;
    d.driver = KernelPaths.DEVICE_DAX;
    devices.put(d.name, d);
    tree = null;
    return Optional.of(d.name);
  }

  /** Free bytes of a region. */
  long available(Region r) {
    long used = 0;
    for (Dax d : devices.values()) {
      if (d.region.equals(r.name)) {
        used = Math.max(used, d.start + d.size - r.start);
      }
    }
    return Math.max(0, r.size - used);
  }

  // ---- Kernel ----

  @Override
  public Optional<String> read(String path) {
    Optional<String> resolved = resolve(path, true);
    if (resolved.isEmpty()) {
      return Optional.empty();
    }
    Entry e = tree().get(resolved.get());
    return e instanceof FileEntry f ? Optional.of(f.content()) : Optional.empty();
  }

  @Override
  public List<String> list(String dir) {
    Optional<String> resolved = resolve(dir, true);
    if (resolved.isEmpty() || !(tree().get(resolved.get()) instanceof DirEntry)) {
      return List.of();
    }
    String prefix = resolved.get() + "/";
    Set<String> names = new TreeSet<>();
    for (String k : tree().subMap(prefix, prefix + Character.MAX_VALUE).keySet()) {
      String rest = k.substring(prefix.length());
      int slash = rest.indexOf('/');
      names.add(slash < 0 ? rest : rest.substring(0, slash));
    }
    return List.copyOf(names);
  }

  @Override
  public Optional<String> readlink(String path) {
    Optional<String> parent = resolve(parentOf(path), true);
    if (parent.isEmpty()) {
      return Optional.empty();
    }
    Entry e = tree().get(parent.get() + "/" + nameOf(path));
    return e instanceof LinkEntry l ? Optional.of(l.target()) : Optional.empty();
  }

  @Override
  public boolean exists(String path) {
    Optional<String> parent = resolve(parentOf(path), true);
    return parent.isPresent() && tree().containsKey(parent.get() + "/" + nameOf(path));
  }

  @Override
  public Optional<byte[]> readAt(String path, long offset, int length) {
    if (path.matches("^/dev/cpu/\\d+/msr$") && offset == 0x179 && length == 8 && mcgCap != null) {
      return Optional.of(
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(mcgCap).array());
    }
    if (path.equals(KernelPaths.KPAGEFLAGS) && offset % 8 == 0 && length == 8) {
      long flags = poisonedPages.contains(offset / 8 * SimSizes.PAGE) ? 1L << 19 : 0;
      return Optional.of(
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(flags).array());
    }
    return Optional.empty();
  }

  @Override
  public boolean loadModule(String name) {
    if (name.equals(KernelPaths.KMEM) && kmemLoadable && !kmemLoaded) {
      kmemLoaded = true;
      // driver_register() attaches the driver to every unbound device it matches: from 6.3 the
      // CXL and hmem devices (dax_match_type()), before 6.3 none (kmem matches ids only)
      for (Dax d : devices.values()) {
        if (d.driver == null && !d.leaked && matches(d, KernelPaths.KMEM)) {
          try {
            probe(KernelPaths.driver(KernelPaths.KMEM, "bind"), d, KernelPaths.KMEM, false);
          } catch (KernelException e) {
            // a failed probe leaves the device unbound
          }
        }
      }
      tree = null;
    }
    return name.equals(KernelPaths.KMEM) && kmemLoaded;
  }

  @Override
  public synchronized void write(String path, String value) {
    if (crashAfterWrites == 0) {
      throw new SimulatedCrash(path);
    }
    String resolved = resolve(path, true).orElse(path);
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
      tree = null;
    }
  }

  private void apply(String path, String value) {
    Matcher m = DRIVER_FILE.matcher(path);
    if (m.matches()) {
      driverWrite(path, m.group(1), m.group(2), value);
      return;
    }
    m = BLOCK_STATE.matcher(path);
    if (m.matches()) {
      Block b = blocks.get(Long.parseLong(m.group(1)));
      if (b == null) {
        throw refuse(path, value, Errno.ENOENT);
      }
      if (m.group(2).equals("online")) {
        // drivers/base/core.c online_store(): kstrtobool, then device_online()/device_offline(),
        // which do nothing for a block already in that state; "1" onlines as plain "online"
        boolean on = parseBool(value).orElseThrow(() -> refuse(path, value, Errno.EINVAL));
        if (on != b.online) {
          blockWrite(path, b, on ? "online" : "offline");
        }
        return;
      }
      blockWrite(path, b, value);
      return;
    }
    m = DAX_MEMMAP.matcher(path);
    if (m.matches() && devices.containsKey(m.group(1)) && profile.daxMemmapOnMemory()) {
      memmapWrite(path, devices.get(m.group(1)), value);
      return;
    }
    m = SCRUB.matcher(path);
    if (m.matches()) {
      Bus b = buses.get(m.group(1));
      if (b == null || !b.ars) {
        throw refuse(path, value, Errno.ENOENT);
      }
      if (b.scrubbing) {
        throw refuse(path, value, Errno.EBUSY);
      }
      b.scrubbing = true;
      return;
    }
    switch (path) {
      case KernelPaths.HARD_OFFLINE_PAGE -> poison(path, value, true);
      case KernelPaths.MEMORY + "/soft_offline_page" -> poison(path, value, false);
      case KernelPaths.AUTO_ONLINE -> {
        // auto_online_blocks_store(): mhp_online_type_from_str() or EINVAL
        if (!ONLINE_TYPES.contains(value)) {
          throw refuse(path, value, Errno.EINVAL);
        }
        autoOnline = value;
      }
      case KernelPaths.ONLINE_POLICY -> {
        // set_online_policy(): sysfs_match_string() over the two names, else EINVAL
        if (!value.equals("contig-zones") && !value.equals("auto-movable")) {
          throw refuse(path, value, Errno.EINVAL);
        }
        onlinePolicy = value;
      }
      case AUTO_MOVABLE_RATIO -> {
        if (!value.matches("\\d{1,9}")) {
          throw refuse(path, value, Errno.EINVAL); // param_set_uint()
        }
        autoMovableRatio = Integer.parseInt(value);
      }
      case AUTO_MOVABLE_NUMA_AWARE ->
          autoMovableNumaAware =
              parseBool(value).orElseThrow(() -> refuse(path, value, Errno.EINVAL));
      case KernelPaths.DEMOTION -> {
        switch (value) {
          case "1", "true", "y", "Y" -> demotion = true;
          case "0", "false", "n", "N" -> demotion = false;
          default -> throw refuse(path, value, Errno.EINVAL);
        }
      }
      default -> {
        if (tree().containsKey(path)) {
          throw refuse(path, value, Errno.EACCES);
        }
        throw refuse(path, value, Errno.ENOENT);
      }
    }
  }

  private static KernelException refuse(String path, String value, Errno errno) {
    return new KernelException(path, value, errno, null);
  }

  /** drivers/dax/bus.c {@code memmap_on_memory_store()} (6.8+). */
  private void memmapWrite(String path, Dax d, String value) {
    boolean on = parseBool(value).orElseThrow(() -> refuse(path, value, Errno.EINVAL));
    if (on && memmapOnMemory.equals("N")) {
      throw refuse(path, value, Errno.EOPNOTSUPP); // !mhp_supports_memmap_on_memory()
    }
    if (on != d.memmapOnMemory && KernelPaths.KMEM.equals(d.driver)) {
      throw refuse(path, value, Errno.EBUSY);
    }
    d.memmapOnMemory = on;
  }

  private void driverWrite(String path, String driver, String op, String value) {
    if (driver.equals(KernelPaths.KMEM) && !kmemLoaded) {
      throw refuse(path, value, Errno.ENOENT);
    }
    Matcher id = DAX_NAME.matcher(value);
    if ((op.equals("new_id") || op.equals("remove_id")) && !id.matches()) {
      throw refuse(path, value, Errno.EINVAL); // dax bus parses "dax%d.%d" exactly
    }
    Set<String> ids = driver.equals(KernelPaths.KMEM) ? kmemIds : devdaxIds;
    Dax d = devices.get(value);
    switch (op) {
      case "new_id" -> {
        if (!ids.add(value)) {
          throw refuse(path, value, Errno.EEXIST);
        }
        // new_id calls driver_attach(): an unbound matching device is probed right away, and a
        // failed probe is only logged (the write itself succeeds).
        if (d != null && d.driver == null) {
          try {
            probe(path, d, driver, false);
          } catch (KernelException e) {
            // the device stays without a driver, as on a real kernel
          }
        }
      }
      case "remove_id" -> {
        if (!ids.remove(value)) {
          throw refuse(path, value, Errno.ENODEV);
        }
      }
      case "bind" -> {
        if (d == null) {
          throw refuse(path, value, Errno.ENODEV);
        }
        if (d.driver != null) {
          throw refuse(path, value, Errno.EBUSY);
        }
        if (!matches(d, driver)) {
          throw refuse(path, value, Errno.ENODEV);
        }
        probe(path, d, driver, true);
      }
      case "unbind" -> {
        if (d == null || !driver.equals(d.driver)) {
          throw refuse(path, value, Errno.ENODEV);
        }
        if (driver.equals(KernelPaths.KMEM)) {
          unbindKmem(d);
        }
        d.driver = null;
      }
      default -> throw refuse(path, value, Errno.EINVAL);
    }
  }

  /**
   * drivers/dax/bus.c {@code dax_bus_match()}: an id written to the driver's {@code new_id}
   * matches; otherwise before 6.3 {@code device_dax} matches everything ({@code match_always}) and
   * kmem nothing, from 6.3 each driver matches its region type ({@link
   * KernelProfile#kmemMatchesByType()}).
   */
  private boolean matches(Dax d, String driver) {
    boolean kmem = driver.equals(KernelPaths.KMEM);
    if ((kmem ? kmemIds : devdaxIds).contains(d.name)) {
      return true;
    }
    if (!profile.kmemMatchesByType()) {
      return !kmem;
    }
    return kmem == kmemType(d);
  }

  /**
   * Whether a device's region carries {@code IORESOURCE_DAX_KMEM} (6.3+): CXL RAM regions
   * (drivers/dax/cxl.c) and soft-reserved hmem ranges (drivers/dax/hmem/hmem.c, unless {@code
   * dax_hmem.region_idle}); pmem regions (drivers/dax/pmem.c) do not.
   */
  private boolean kmemType(Dax d) {
    String type = regions.get(d.region).type;
    return type.equals("cxl") || type.equals("hmem");
  }

  private void probe(String path, Dax d, String driver, boolean explicitBind) {
    if (driver.equals(KernelPaths.DEVICE_DAX)) {
      if (d.leaked) {
        // "could not reserve range": the kmem range was never removed (real-kernel-notes 4b).
        throw refuse(path, d.name, Errno.EBUSY);
      }
      d.driver = driver;
      return;
    }
    if (d.targetNode < 0 || kmemRefuses.contains(d.name)) {
      // kmem_probe(): "rejecting DAX region with invalid node" (drivers/dax/kmem.c)
      throw refuse(path, d.name, Errno.EINVAL);
    }
    d.driver = driver;
    if (!d.leaked) {
      addBlocks(d, autoOnline, true);
    }
  }

  /**
   * kmem's {@code add_memory_driver_managed()}: the device's whole blocks appear on its target
   * node. {@code add_memory_resource()} then onlines each new block itself, in order, when {@code
   * onlineAs} (auto_online_blocks at that moment) is not offline ({@code online_memory_block()}); a
   * udev rule that onlines memory ({@code udevOnline}) runs afterwards, on the uevent of each
   * block, and writes only blocks still offline (RHEL's rule matches {@code
   * ATTR{state}=="offline"}).
   */
  private void addBlocks(Dax d, String onlineAs, boolean hotAdded) {
    long first = Math.floorDiv(d.start + blockSize - 1, blockSize);
    long last = Math.floorDiv(d.start + d.size, blockSize) - 1;
    // MHP_MEMMAP_ON_MEMORY (6.8+ kmem, when the device's knob and the parameter are on): the
    // block's struct pages (64 bytes per 4 KiB page) live in the block and are not in MemTotal
    boolean memmap = profile.daxMemmapOnMemory() && d.memmapOnMemory && !memmapOnMemory.equals("N");
    nodes.computeIfAbsent(
        d.targetNode,
        id -> {
          Numa n = new Numa();
          n.id = id;
          return n;
        });
    List<Block> added = new ArrayList<>();
    for (long i = first; i <= last; i++) {
      Block b = new Block();
      b.index = i;
      b.node = d.targetNode;
      b.device = d.name;
      b.memmapBytes = memmap ? blockSize / SimSizes.PAGE * 64 : 0;
      blocks.put(i, b);
      added.add(b);
    }
    for (Block b : added) {
      setOnline(b, onlineAs);
    }
    if (hotAdded && udevOnline != null) {
      for (Block b : added) {
        if (!b.online) {
          setOnline(b, udevOnline);
        }
      }
    }
  }

  /** Onlines ({@code online*}) or offlines a block; plain {@code online} picks the zone. */
  private void setOnline(Block b, String how) {
    switch (how) {
      case "online_movable" -> {
        b.online = true;
        b.zone = "Movable";
      }
      case "online_kernel" -> {
        b.online = true;
        b.zone = "Normal";
      }
      case "online" -> {
        String zone = defaultZone(b);
        b.online = true;
        b.zone = zone;
      }
      default -> {
        b.online = false;
        b.zone = null;
      }
    }
  }

  /**
   * mm/memory_hotplug.c {@code zone_for_pfn_range(MMOP_ONLINE)}: the zone a plain {@code online} (a
   * write, auto_online_blocks=online, or a udev rule writing online) gives an offline block, and
   * the first word of its {@code valid_zones}. The same in 6.1 and 6.12.
   */
  private String defaultZone(Block b) {
    return onlinePolicy.equals("auto-movable") ? autoMovableZone(b) : contigZone(b);
  }

  /**
   * {@code default_zone_for_pfn()} (online_policy contig-zones): the zone whose span already covers
   * the block if exactly one does, else Movable with {@code movable_node} and Normal without. So a
   * fresh CPU-less node onlines into Normal. Zone spans are modelled from the node's online
   * hot-added blocks (boot memory is taken not to surround kmem ranges).
   */
  private String contigZone(Block b) {
    boolean inKernel = spans(b, "Normal");
    boolean inMovable = spans(b, "Movable");
    if (inKernel ^ inMovable) {
      return inKernel ? "Normal" : "Movable";
    }
    return movableNode ? "Movable" : "Normal";
  }

  private boolean spans(Block b, String zone) {
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (Block o : blocks.values()) {
      if (o != b && o.online && o.node == b.node && zone.equals(o.zone)) {
        lo = Math.min(lo, o.index);
        hi = Math.max(hi, o.index);
      }
    }
    return lo <= b.index && b.index <= hi;
  }

  /**
   * {@code auto_movable_zone_for_pfn()} (online_policy auto-movable) for kmem's static memory group
   * (one per device): Normal once any block of the device is in a kernel zone; else Movable only if
   * onlining the rest of the device Movable keeps MOVABLE within {@code auto_movable_ratio} percent
   * of the boot-time kernel memory, system-wide and, with {@code auto_movable_numa_aware} (default
   * Y), on the block's node too. A CPU-less node has no boot-time kernel memory, so kmem's blocks
   * there go to Normal under the default settings.
   */
  private String autoMovableZone(Block b) {
    if (autoMovableRatio == 0) {
      return "Normal";
    }
    List<Block> group =
        blocks.values().stream().filter(o -> Objects.equals(o.device, b.device)).toList();
    if (group.stream().anyMatch(o -> o.online && !"Movable".equals(o.zone))) {
      return "Normal";
    }
    long movableDone = group.stream().filter(o -> o.online).count();
    long pages = (group.size() - movableDone) * (blockSize / SimSizes.PAGE);
    if (!canOnlineMovable(null, pages)) {
      return "Normal";
    }
    if (autoMovableNumaAware && !canOnlineMovable(b.node, pages)) {
      return "Normal";
    }
    return "Movable";
  }

  /** {@code auto_movable_can_online_movable()} without dynamic memory groups or CMA. */
  private boolean canOnlineMovable(Integer node, long pages) {
    long kernelEarly = 0;
    for (Numa n : nodes.values()) {
      if (node == null || n.id == node) {
        kernelEarly += n.baseTotal / SimSizes.PAGE;
      }
    }
    long movable = 0;
    for (Block o : blocks.values()) {
      if (o.online && "Movable".equals(o.zone) && (node == null || o.node == node)) {
        movable += blockSize / SimSizes.PAGE;
      }
    }
    if (kernelEarly <= 0) {
      return false;
    }
    return movable + pages <= autoMovableRatio * kernelEarly / 100;
  }

  /**
   * {@code valid_zones}: the zone of an online block; the default zone first for an offline one.
   */
  private String validZones(Block b) {
    if (b.online) {
      return b.zone;
    }
    String first = defaultZone(b);
    StringBuilder sb = new StringBuilder(first);
    if (!first.equals("Normal")) {
      sb.append(" Normal"); // MMOP_ONLINE_KERNEL: default_kernel_zone_for_pfn()
    }
    if (!first.equals("Movable")) {
      sb.append(" Movable");
    }
    return sb.toString();
  }

  private void unbindKmem(Dax d) {
    List<Block> mine = blocks.values().stream().filter(b -> d.name.equals(b.device)).toList();
    if (mine.stream().anyMatch(b -> b.online)) {
      // remove_memory() is one shot: the range is leaked until reboot (kmem.c, notes 4b).
      d.leaked = true;
      return;
    }
    long poisoned = 0;
    for (Block b : mine) {
      poisoned += poisonIn(b);
      long lo = b.index * blockSize;
      poisonedPages.removeIf(p -> p >= lo && p < lo + blockSize); // the memmap goes too
      blocks.remove(b.index);
    }
    if (!profile.perBlockPoisonCounter()) {
      // 6.1: num_poisoned_pages is never lowered for removed memory, HardwareCorrupted leaks
      leakedPoisonPages += poisoned;
    }
  }

  private void blockWrite(String path, Block b, String value) {
    switch (value) {
      case "online", "online_kernel", "online_movable" -> {
        if (b.online) {
          throw refuse(path, value, Errno.EINVAL);
        }
        if (profile.onlineRefusesPoisonedBlock() && poisonIn(b) > 0) {
          throw refuse(path, value, Errno.EHWPOISON);
        }
        setOnline(b, value);
      }
      case "offline" -> {
        if (!b.online) {
          throw refuse(path, value, Errno.EINVAL);
        }
        if (busyOnOffline.contains(b.index)) {
          throw refuse(path, value, Errno.EBUSY);
        }
        setOnline(b, "offline");
      }
      default -> throw refuse(path, value, Errno.EINVAL);
    }
  }

  private long poisonIn(Block b) {
    long lo = b.index * blockSize;
    long hi = lo + blockSize;
    return poisonedPages.stream().filter(p -> p >= lo && p < hi).count();
  }

  /**
   * {@code hard_offline_page} ({@code memory_failure()}) and {@code soft_offline_page} ({@code
   * soft_offline_page()}) on a hex address, the same in 6.1 and 6.12: a page of an online block is
   * poisoned and counted once; hard on a poisoned page is EHWPOISON, soft on one succeeds without
   * effect ("page already poisoned"); a page of an offline block is ENXIO for hard ("memory outside
   * kernel control") and EIO for soft; no memory there at all is ENXIO.
   */
  private void poison(String path, String value, boolean hard) {
    long addr;
    try {
      addr = SimSizes.parseHex(value);
    } catch (NumberFormatException e) {
      throw refuse(path, value, Errno.EINVAL);
    }
    long page = addr & ~(SimSizes.PAGE - 1);
    Block b = blocks.get(page / blockSize);
    if (b == null) {
      throw refuse(path, value, Errno.ENXIO);
    }
    if (!b.online) {
      throw refuse(path, value, hard ? Errno.ENXIO : Errno.EIO);
    }
    if (!poisonedPages.add(page) && hard) {
      throw refuse(path, value, Errno.EHWPOISON);
    }
  }

  // ---- rendering the tree from the model ----

  private TreeMap<String, Entry> tree() {
    if (tree == null) {
      tree = render();
    }
    return tree;
  }

  private Optional<String> resolve(String path, boolean followLast) {
    String[] parts = path.split("/");
    String cur = "";
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].isEmpty()) {
        continue;
      }
      String next = cur + "/" + parts[i];
      Entry e = tree().get(next);
      int hops = 0;
      while (e instanceof LinkEntry l && (followLast || i < parts.length - 1) && hops++ < 8) {
        next = l.target();
        e = tree().get(next);
      }
      cur = next;
    }
    return Optional.of(cur.isEmpty() ? "/" : cur);
  }

  private static String parentOf(String path) {
    int i = path.lastIndexOf('/');
    return i <= 0 ? "/" : path.substring(0, i);
  }

  private static String nameOf(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private TreeMap<String, Entry> render() {
    Renderer r = new Renderer();
    r.file("/proc/sys/kernel/osrelease", release + "\n");
    r.file(KernelPaths.CMDLINE, cmdline + "\n");
    r.file(KernelPaths.CPUINFO, cpuinfo());
    r.file(KernelPaths.MEMINFO, meminfo(null));
    r.file(KernelPaths.BLOCK_SIZE, Long.toHexString(blockSize) + "\n");
    r.file(KernelPaths.AUTO_ONLINE, autoOnline + "\n");
    r.file(KernelPaths.HARD_OFFLINE_PAGE, "");
    r.file(KernelPaths.MEMORY + "/soft_offline_page", "");
    r.file(KernelPaths.DEMOTION, demotion + "\n");
    r.file(KernelPaths.ONLINE_POLICY, onlinePolicy + "\n");
    r.file(AUTO_MOVABLE_RATIO, autoMovableRatio + "\n");
    r.file(AUTO_MOVABLE_NUMA_AWARE, (autoMovableNumaAware ? "Y" : "N") + "\n");
    r.file(MEMMAP_ON_MEMORY, memmapOnMemory + "\n");
    if (SAFE_RELEASE.matcher(release).matches()) {
      r.file("/boot/config-" + release, profile.bootConfig());
    }
    if (udevOnline != null) {
      r.file(REDHAT_RULES, redhatRules(udevOnline));
    }
    r.dir("/sys/bus/nd/devices");
    for (int c = 0; c < cpuCount; c++) {
      r.file("/dev/cpu/" + c + "/msr", "");
    }
    renderDax(r);
    renderNd(r);
    renderMemory(r);
    return r.entries;
  }

  private void renderDax(Renderer r) {
    String bus = classModel ? KernelPaths.DAX_CLASS : KernelPaths.DAX_DEVICES;
    r.dir(bus);
    if (!classModel) {
      r.dir(KernelPaths.DAX_DRIVERS + "/" + KernelPaths.DEVICE_DAX);
      for (String f : List.of("bind", "unbind", "new_id", "remove_id")) {
        r.file(KernelPaths.driver(KernelPaths.DEVICE_DAX, f), "");
        if (kmemLoaded) {
          r.file(KernelPaths.driver(KernelPaths.KMEM, f), "");
        }
      }
      if (kmemLoaded) {
        r.dir("/sys/module/kmem");
      }
    }
    int minor = 0;
    for (Dax d : devices.values()) {
      Region reg = regions.get(d.region);
      if (reg.disabled) {
        continue; // its namespace is gone with the region's driver
      }
      String dir = realDir(d, reg);
      r.file(dir + "/target_node", d.targetNode + "\n");
      r.file(dir + "/numa_node", d.numaNode + "\n");
      r.file(dir + "/size", d.size + "\n");
      r.file(dir + "/resource", SimSizes.hex(d.start) + "\n");
      r.file(dir + "/align", "2097152\n");
      r.file(dir + "/modalias", "dax:t0\n");
      if (profile.daxMemmapOnMemory()) {
        r.file(dir + "/memmap_on_memory", (d.memmapOnMemory ? 1 : 0) + "\n");
      }
      r.file(dir + "/mapping0/start", SimSizes.hex(d.start) + "\n");
      r.file(dir + "/mapping0/end", SimSizes.hex(d.start + d.size - 1) + "\n");
      r.file(dir + "/mapping0/page_offset", "0x0\n");
      String dev = "252:" + minor++;
      r.file(dir + "/dev", dev + "\n");
      r.link("/sys/dev/char/" + dev, dir);
      r.file("/dev/" + d.name, "");
      if (classModel) {
        r.link(dir + "/subsystem", KernelPaths.DAX_CLASS);
        r.link(KernelPaths.DAX_CLASS + "/" + d.name, dir);
      } else {
        r.link(dir + "/subsystem", "/sys/bus/dax");
        r.link(KernelPaths.dax(d.name), dir);
        if (d.driver != null) {
          r.link(dir + "/driver", KernelPaths.DAX_DRIVERS + "/" + d.driver);
        }
      }
    }
  }

  private String realDir(Dax d, Region reg) {
    return switch (reg.type) {
      case "cxl" ->
          "/sys/devices/platform/ACPI0017:00/root0/decoder0.0/"
              + reg.name
              + "/dax_"
              + reg.name
              + "/"
              + d.name;
      case "hmem" -> "/sys/devices/platform/hmem." + reg.name.replaceAll("\\D", "") + "/" + d.name;
      default -> NFIT_ROOT + "/" + reg.bus + "/" + reg.name + "/" + d.name + "/" + d.name;
    };
  }

  private void renderNd(Renderer r) {
    for (Bus b : buses.values()) {
      String dir = NFIT_ROOT + "/" + b.name;
      r.link("/sys/bus/nd/devices/" + b.name, dir);
      r.file(dir + "/nfit/hw_error_scrub", "0\n");
      r.file(dir + "/nfit/dsm_mask", b.ars ? "0x3fe\n" : "0x0\n");
      if (b.ars) {
        r.file(dir + "/nfit/scrub", b.scrubCount + (b.scrubbing ? "+" : "") + "\n");
      }
    }
    for (Dimm d : dimms.values()) {
      String dir = NFIT_ROOT + "/" + d.bus + "/" + d.name;
      r.link("/sys/bus/nd/devices/" + d.name, dir);
      r.file(dir + "/nfit/id", "8680-" + d.name.replaceAll("\\D", "") + "\n");
      if (d.security != null) {
        r.file(dir + "/security", d.security + "\n");
        r.file(dir + "/frozen", (d.frozen ? 1 : 0) + "\n");
      }
    }
    for (Region reg : regions.values()) {
      if (!reg.type.equals("pmem")) {
        continue;
      }
      String dir = NFIT_ROOT + "/" + reg.bus + "/" + reg.name;
      r.link("/sys/bus/nd/devices/" + reg.name, dir);
      if (!reg.disabled) {
        r.link(dir + "/driver", "/sys/bus/nd/drivers/nd_region");
      }
      r.file(dir + "/size", reg.size + "\n");
      r.file(dir + "/resource", SimSizes.hex(reg.start) + "\n");
      r.file(dir + "/available_size", available(reg) + "\n");
      r.file(dir + "/numa_node", reg.numaNode + "\n");
      r.file(dir + "/target_node", reg.targetNode + "\n");
      r.file(dir + "/devtype", "nd_pmem\n");
      StringBuilder bb = new StringBuilder();
      reg.badBlocks.forEach((s, c) -> bb.append(s).append(' ').append(c).append('\n'));
      r.file(dir + "/badblocks", bb.toString());
      r.file(dir + "/mappings", reg.dimms.size() + "\n");
      long per = reg.dimms.isEmpty() ? 0 : reg.size / reg.dimms.size();
      for (int i = 0; i < reg.dimms.size(); i++) {
        r.file(dir + "/mapping" + i, reg.dimms.get(i) + ",0," + per + "," + i + "\n");
      }
    }
  }

  private void renderMemory(Renderer r) {
    Set<Integer> online = new TreeSet<>();
    Set<Integer> hasMemory = new TreeSet<>();
    Set<Integer> hasCpu = new TreeSet<>();
    for (Numa n : nodes.values()) {
      boolean hasBlocks = blocks.values().stream().anyMatch(b -> b.node == n.id);
      if (!n.cpus.isEmpty()) {
        hasCpu.add(n.id);
      }
      if (n.cpus.isEmpty() && n.baseTotal == 0 && !hasBlocks) {
        continue; // a memoryless, CPU-less node is offline: no sysfs directory
      }
      online.add(n.id);
      if (n.baseTotal > 0 || onlineBytes(n.id) > 0) {
        hasMemory.add(n.id);
      }
      String dir = KernelPaths.node(n.id);
      r.file(dir + "/cpulist", n.cpus + "\n");
      r.file(dir + "/meminfo", meminfo(n));
      r.file(dir + "/distance", distances(n) + "\n");
      if (n.perf != null) {
        String acc = dir + "/access1/initiators/";
        r.file(acc + "read_latency", n.perf.readLatency() + "\n");
        r.file(acc + "write_latency", n.perf.writeLatency() + "\n");
        r.file(acc + "read_bandwidth", n.perf.readBandwidth() + "\n");
        r.file(acc + "write_bandwidth", n.perf.writeBandwidth() + "\n");
      }
    }
    r.file(KernelPaths.NODES + "/possible", ranges(nodes.keySet()) + "\n");
    r.file(KernelPaths.NODES + "/online", ranges(online) + "\n");
    r.file(KernelPaths.NODES + "/has_memory", ranges(hasMemory) + "\n");
    r.file(KernelPaths.NODES + "/has_cpu", ranges(hasCpu) + "\n");
    for (Block b : blocks.values()) {
      String dir = KernelPaths.block(b.index);
      r.file(dir + "/phys_index", String.format("%08x%n", b.index));
      r.file(dir + "/state", (b.online ? "online" : "offline") + "\n");
      r.file(dir + "/online", (b.online ? 1 : 0) + "\n");
      r.file(dir + "/valid_zones", validZones(b) + "\n");
      r.file(dir + "/removable", "1\n");
      r.link(dir + "/node" + b.node, KernelPaths.node(b.node));
      r.link(KernelPaths.node(b.node) + "/memory" + b.index, dir);
    }
    TreeMap<Integer, Set<Integer>> tiers = new TreeMap<>();
    tiers.put(KernelProfile.tierOf(KernelProfile.MEMTIER_ADISTANCE_DRAM), new TreeSet<>());
    for (int id : hasMemory) {
      tiers.computeIfAbsent(KernelProfile.tierOf(adistance(id)), t -> new TreeSet<>()).add(id);
    }
    tiers.forEach(
        (t, ids) -> {
          if (!ids.isEmpty() || t == KernelProfile.tierOf(KernelProfile.MEMTIER_ADISTANCE_DRAM)) {
            r.file(KernelPaths.MEMORY_TIERS + "/memory_tier" + t + "/nodelist", ranges(ids) + "\n");
          }
        });
  }

  /**
   * A memory node's abstract distance (mm/memory-tiers.c): kmem's nodes (CPU-less, no boot memory)
   * start at {@code MEMTIER_DEFAULT_DAX_ADISTANCE}, every other node at {@code
   * MEMTIER_ADISTANCE_DRAM}; from 6.7 a node with HMAT/CDAT performance gets {@code
   * mt_perf_to_adistance()} against the reference DRAM node (the first CPU node with memory and
   * performance data), unless the DRAM nodes differ by more than 10%.
   */
  int adistance(int id) {
    Numa n = nodes.get(id);
    boolean kmemNode = n.cpus.isEmpty() && n.baseTotal == 0;
    int fallback =
        kmemNode
            ? KernelProfile.MEMTIER_DEFAULT_DAX_ADISTANCE
            : KernelProfile.MEMTIER_ADISTANCE_DRAM;
    if (!profile.adistanceFromPerformance() || n.perf == null || !n.perf.usable()) {
      return fallback;
    }
    KernelProfile.Perf ref = null;
    for (Numa dram : nodes.values()) {
      if (!dram.cpus.isEmpty() && dram.baseTotal > 0 && dram.perf != null && dram.perf.usable()) {
        if (ref == null) {
          ref = dram.perf;
        } else if (!dram.perf.within10PercentOf(ref)) {
          return fallback; // default_dram_perf_error
        }
      }
    }
    return ref == null ? fallback : KernelProfile.perfToAdistance(n.perf, ref);
  }

  /**
   * RHEL 7's {@code /usr/lib/udev/rules.d/40-redhat.rules} memory rule (also quoted for early RHEL
   * 8 by NVIDIA's POWER9 notes), with the state it writes. RHEL 8.x/9 spell the same rule over
   * several lines ({@code ENV{.state}="online"}, {@code online_movable} on bare metal, {@code
   * ATTR{state}=="offline", ATTR{state}="$env{.state}"}).
   */
  static String redhatRules(String state) {
    return "# do not edit this file, it will be overwritten on update\n\n"
        + "# CPU hotadd request\n"
        + "SUBSYSTEM==\"cpu\", ACTION==\"add\", TEST==\"online\", ATTR{online}==\"0\","
        + " ATTR{online}=\"1\"\n\n"
        + "# Memory hotadd request\n"
        + "SUBSYSTEM==\"memory\", ACTION==\"add\", PROGRAM=\"/bin/uname -p\","
        + " RESULT!=\"s390*\", ATTR{state}==\"offline\", ATTR{state}=\""
        + state
        + "\"\n";
  }

  private String distances(Numa n) {
    List<String> out = new ArrayList<>();
    for (Numa other : nodes.values()) {
      int idx = new ArrayList<>(nodes.keySet()).indexOf(other.id);
      if (idx < n.distances.size()) {
        out.add(Integer.toString(n.distances.get(idx)));
      } else {
        out.add(other.id == n.id ? "10" : "20");
      }
    }
    return String.join(" ", out);
  }

  /** Online hot-added memory of a node, less the memmap a memmap_on_memory block carries. */
  private long onlineBytes(int node) {
    return blocks.values().stream()
        .filter(b -> b.node == node && b.online)
        .mapToLong(b -> blockSize - b.memmapBytes)
        .sum();
  }

  /**
   * Hardware-corrupted bytes, system-wide ({@code node == null}) or in one node. A page whose block
   * was hot-removed belongs to no node any more; on 6.1 it still counts system-wide, the counter
   * leaks until reboot (real-kernel-notes (6)); from 6.2 the removal subtracts it ({@link
   * KernelProfile#perBlockPoisonCounter()}).
   */
  private long poisonBytes(Integer node) {
    long pages =
        poisonedPages.stream()
            .filter(
                p -> {
                  if (node == null) {
                    return true;
                  }
                  Block b = blocks.get(p / blockSize);
                  return b != null && b.node == node;
                })
            .count();
    return (pages + (node == null ? leakedPoisonPages : 0)) * SimSizes.PAGE;
  }

  private String meminfo(Numa n) {
    long total;
    long free;
    String prefix;
    if (n == null) {
      total = nodes.values().stream().mapToLong(x -> x.baseTotal + onlineBytes(x.id)).sum();
      free = nodes.values().stream().mapToLong(x -> x.baseFree + onlineBytes(x.id)).sum();
      prefix = "";
    } else {
      total = n.baseTotal + onlineBytes(n.id);
      free = n.baseFree + onlineBytes(n.id);
      prefix = "Node " + n.id + " ";
    }
    long hw = poisonBytes(n == null ? null : n.id);
    free -= hw;
    return String.format(
        "%sMemTotal:       %8d kB%n%sMemFree:        %8d kB%n%sHardwareCorrupted: %5d kB%n",
        prefix, total / 1024, prefix, free / 1024, prefix, hw / 1024);
  }

  private String cpuinfo() {
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < cpuCount; c++) {
      sb.append("processor\t: ").append(c).append('\n');
      sb.append("vendor_id\t: ").append(cpuVendor).append('\n');
      sb.append("cpu family\t: ").append(cpuFamily).append('\n');
      sb.append("model\t\t: ").append(cpuModel).append('\n');
      sb.append("flags\t\t: ").append(String.join(" ", cpuFlags)).append("\n\n");
    }
    return sb.toString();
  }

  static String ranges(Set<Integer> ids) {
    List<String> out = new ArrayList<>();
    Integer start = null;
    Integer prev = null;
    for (int id : new TreeSet<>(ids)) {
      if (start == null) {
        start = id;
      } else if (id != prev + 1) {
        out.add(start.equals(prev) ? "" + start : start + "-" + prev);
        start = id;
      }
      prev = id;
    }
    if (start != null) {
      out.add(start.equals(prev) ? "" + start : start + "-" + prev);
    }
    return String.join(",", out);
  }

  /** Builds the path map, creating parent directories. */
  private static final class Renderer {
    final TreeMap<String, Entry> entries = new TreeMap<>();

    void dir(String path) {
      String p = path;
      while (!p.isEmpty() && !p.equals("/")) {
        entries.putIfAbsent(p, new DirEntry());
        p = parentOf(p);
      }
    }

    void file(String path, String content) {
      dir(parentOf(path));
      entries.put(path, new FileEntry(content));
    }

    void link(String path, String target) {
      dir(parentOf(path));
      entries.put(path, new LinkEntry(target));
    }
  }
}
