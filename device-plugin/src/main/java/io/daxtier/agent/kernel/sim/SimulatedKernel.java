package io.daxtier.agent.kernel.sim;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.Sizes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * refused, poison can be injected. Failure switches let tests break it on purpose.
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
  }

  static final class Block {
    long index;
    int node;
    boolean online;
    String zone;
    String device;
  }

  // platform
  private String release = "6.1.0-sim";
  private long blockSize = 128 * Sizes.MIB;
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

  // failure switches and counters
  private final Set<Long> busyOnOffline = new HashSet<>();
  private boolean holdScrub;
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
    if (s.blockSize() != null) {
      blockSize = Sizes.parse(s.blockSize());
    }
    if (s.autoOnlineBlocks() != null) {
      autoOnline = s.autoOnlineBlocks();
    }
    demotion = Boolean.TRUE.equals(s.demotionEnabled());
    if (s.cmdline() != null) {
      cmdline = s.cmdline();
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
      mcgCap = c.mcgCap() == null ? null : Sizes.parseHex(c.mcgCap());
      cpuCount = c.cpus() == null ? cpuCount : c.cpus();
    }
    for (SimNodeSpec.Numa n : orEmpty(s.numaNodes())) {
      Numa m = new Numa();
      m.id = n.id();
      m.cpus = n.cpus() == null ? "" : n.cpus();
      m.baseTotal = n.memTotal() == null ? 0 : Sizes.parse(n.memTotal());
      m.baseFree = n.memFree() == null ? m.baseTotal / 2 : Sizes.parse(n.memFree());
      m.distances = n.distances() == null ? new ArrayList<>() : new ArrayList<>(n.distances());
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
      m.start = Sizes.parse(r.start());
      m.size = Sizes.parse(r.size());
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
      m.start = d.start() == null ? r.start + 18 * Sizes.MIB : Sizes.parse(d.start());
      m.size = d.size() == null ? r.start + r.size - m.start : Sizes.parse(d.size());
      m.targetNode = d.targetNode() == null ? r.targetNode : d.targetNode();
      m.numaNode = r.numaNode;
      devices.put(m.name, m);
      String mode = d.mode() == null ? "devdax" : d.mode();
      switch (mode) {
        case "devdax" -> m.driver = KernelPaths.DEVICE_DAX;
        case "unbound" -> m.driver = null;
        case "system-ram" -> {
          m.driver = KernelPaths.KMEM;
          kmemIds.add(m.name);
          addBlocks(m, Boolean.TRUE.equals(d.online()) ? zoneWrite(d.zone()) : "offline");
        }
        default -> throw new IllegalArgumentException(d.name() + ": mode " + mode);
      }
    }
    tree = null;
  }

  private static String zoneWrite(String zone) {
    return "Normal".equals(zone) ? "online_kernel" : "online_movable";
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

  /** Makes kmem's probe of this device fail with EINVAL, as for a region with no valid node. */
  public void refuseKmem(String device) {
    kmemRefuses.add(device);
  }

  /** Makes clear-errors leave the bad blocks in place. */
  public void clearErrorsFails(boolean fails) {
    clearErrorsFails = fails;
  }

  public void setAutoOnline(String policy) {
    autoOnline = policy;
    tree = null;
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

  /** Whether a device's range was leaked by unbinding kmem with blocks online. */
  public boolean leaked(String device) {
    return devices.get(device).leaked;
  }

  /**
   * Writes the current tree as real files and symlinks under a directory, so {@link
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
    if (d == null || d.security == null || d.frozen || "locked".equals(d.security)) {
      return false;
    }
    d.overwrites++;
    return true;
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
    if (want > free || want <= 18 * Sizes.MIB) {
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
    d.start = used + 18 * Sizes.MIB; // info block + map=dev memmap, as on QEMU
    d.size = want - 18 * Sizes.MIB;
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
    return Optional.empty();
  }

  @Override
  public boolean loadModule(String name) {
    if (name.equals(KernelPaths.KMEM) && kmemLoadable) {
      kmemLoaded = true;
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
      String v = m.group(2).equals("online") ? (value.equals("1") ? "online" : "offline") : value;
      blockWrite(path, b, v);
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
      case KernelPaths.HARD_OFFLINE_PAGE, KernelPaths.MEMORY + "/soft_offline_page" ->
          poison(path, value);
      case KernelPaths.AUTO_ONLINE -> {
        if (!Set.of("offline", "online", "online_kernel", "online_movable").contains(value)) {
          throw refuse(path, value, Errno.EINVAL);
        }
        autoOnline = value;
      }
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

  private boolean matches(Dax d, String driver) {
    // Before 6.3 device_dax matches every device; kmem only ids added with new_id.
    return driver.equals(KernelPaths.DEVICE_DAX) || kmemIds.contains(d.name);
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
      addBlocks(d, autoOnline);
    }
  }

  private void addBlocks(Dax d, String onlineAs) {
    long first = Math.floorDiv(d.start + blockSize - 1, blockSize);
    long last = Math.floorDiv(d.start + d.size, blockSize) - 1;
    for (long i = first; i <= last; i++) {
      Block b = new Block();
      b.index = i;
      b.node = d.targetNode;
      b.device = d.name;
      setOnline(b, onlineAs);
      blocks.put(i, b);
    }
    nodes.computeIfAbsent(
        d.targetNode,
        id -> {
          Numa n = new Numa();
          n.id = id;
          return n;
        });
  }

  private static void setOnline(Block b, String how) {
    switch (how) {
      case "online_movable" -> {
        b.online = true;
        b.zone = "Movable";
      }
      case "online_kernel", "online" -> {
        b.online = true;
        b.zone = "Normal";
      }
      default -> {
        b.online = false;
        b.zone = null;
      }
    }
  }

  private void unbindKmem(Dax d) {
    List<Block> mine = blocks.values().stream().filter(b -> d.name.equals(b.device)).toList();
    if (mine.stream().anyMatch(b -> b.online)) {
      // remove_memory() is one shot: the range is leaked until reboot (kmem.c, notes 4b).
      d.leaked = true;
      return;
    }
    mine.forEach(b -> blocks.remove(b.index));
  }

  private void blockWrite(String path, Block b, String value) {
    switch (value) {
      case "online", "online_kernel", "online_movable" -> {
        if (b.online) {
          throw refuse(path, value, Errno.EINVAL);
        }
        if (poisonIn(b) > 0) {
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

  private void poison(String path, String value) {
    long addr;
    try {
      addr = Sizes.parseHex(value);
    } catch (NumberFormatException e) {
      throw refuse(path, value, Errno.EINVAL);
    }
    long page = addr & ~(Sizes.PAGE - 1);
    Block b = blocks.get(page / blockSize);
    if (b == null || !b.online) {
      throw refuse(path, value, Errno.ENXIO);
    }
    if (!poisonedPages.add(page)) {
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
      String dir = realDir(d, reg);
      r.file(dir + "/target_node", d.targetNode + "\n");
      r.file(dir + "/numa_node", d.numaNode + "\n");
      r.file(dir + "/size", d.size + "\n");
      r.file(dir + "/resource", Sizes.hex(d.start) + "\n");
      r.file(dir + "/align", "2097152\n");
      r.file(dir + "/modalias", "dax:t0\n");
      r.file(dir + "/mapping0/start", Sizes.hex(d.start) + "\n");
      r.file(dir + "/mapping0/end", Sizes.hex(d.start + d.size - 1) + "\n");
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
      r.link(dir + "/driver", "/sys/bus/nd/drivers/nd_region"); // enabled
      r.file(dir + "/size", reg.size + "\n");
      r.file(dir + "/resource", Sizes.hex(reg.start) + "\n");
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
      r.file(dir + "/valid_zones", (b.online ? b.zone : "Normal Movable") + "\n");
      r.file(dir + "/removable", "1\n");
      r.link(dir + "/node" + b.node, KernelPaths.node(b.node));
      r.link(KernelPaths.node(b.node) + "/memory" + b.index, dir);
    }
    Set<Integer> dram = new TreeSet<>();
    Set<Integer> slow = new TreeSet<>();
    for (int id : hasMemory) {
      (nodes.get(id).cpus.isEmpty() && nodes.get(id).baseTotal == 0 ? slow : dram).add(id);
    }
    r.file(KernelPaths.MEMORY_TIERS + "/memory_tier4/nodelist", ranges(dram) + "\n");
    if (!slow.isEmpty()) {
      r.file(KernelPaths.MEMORY_TIERS + "/memory_tier22/nodelist", ranges(slow) + "\n");
    }
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

  private long onlineBytes(int node) {
    return blocks.values().stream().filter(b -> b.node == node && b.online).count() * blockSize;
  }

  /**
   * Hardware-corrupted bytes, system-wide ({@code node == null}) or in one node. A page whose block
   * was hot-removed belongs to no node any more but still counts system-wide: 6.1's counter leaks
   * until reboot (real-kernel-notes (6)).
   */
  private long poisonBytes(Integer node) {
    return poisonedPages.stream()
            .filter(
                p -> {
                  if (node == null) {
                    return true;
                  }
                  Block b = blocks.get(p / blockSize);
                  return b != null && b.node == node;
                })
            .count()
        * Sizes.PAGE;
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
