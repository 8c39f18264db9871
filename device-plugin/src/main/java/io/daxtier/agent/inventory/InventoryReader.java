package io.daxtier.agent.inventory;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.BadBlock;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Dimm;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.Malformed;
import io.daxtier.agent.model.MalformedObject;
import io.daxtier.agent.model.MemoryBlock;
import io.daxtier.agent.model.NdBus;
import io.daxtier.agent.model.NumaNode;
import io.daxtier.agent.model.Parsed;
import io.daxtier.agent.model.Platform;
import io.daxtier.agent.model.Region;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.model.SysfsFormats;
import io.daxtier.api.v1alpha1.DaxBusModel;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.MemoryType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads sysfs into an immutable {@link Inventory}. Reads only; never writes. */
public final class InventoryReader {
  private static final Logger LOG = LoggerFactory.getLogger(InventoryReader.class);
  private static final Pattern REGION = Pattern.compile("^region\\d+$");
  private static final Pattern BLOCK = Pattern.compile("^memory(\\d+)$");
  private static final Pattern NODE = Pattern.compile("^node(\\d+)$");
  private static final Pattern MAPPING = Pattern.compile("^mapping\\d+$");
  private static final Pattern DIMM = Pattern.compile("^nmem\\d+$");

  /** What {@code nmemN/security} holds: a lower-case word (disabled, unlocked, locked...). */
  /**
   * The values {@code memhp_default_state=} takes (mm/memory_hotplug.c mhp_online_type_from_str).
   */
  private static final List<String> KNOWN_ONLINE_STATES =
      List.of("offline", "online", "online_kernel", "online_movable");

  private static final Pattern SECURITY = Pattern.compile("[a-z_]{1,32}");

  private final Kernel kernel;
  private final MachineCheckProbe mce;

  private final HotplugProbe hotplug;
  private final BooleanSupplier udevObserved;
  private final boolean managed;

  /** The malformed objects the last read logged. */
  private Set<String> reported = Set.of();

  public InventoryReader(Kernel kernel) {
    this(kernel, () -> false, false);
  }

  /**
   * @param udevObserved whether the node record says blocks came online by themselves after a bind
   * @param managed whether the agent manages {@code auto_online_blocks} for its conversions
   */
  public InventoryReader(Kernel kernel, BooleanSupplier udevObserved, boolean managed) {
    this.kernel = kernel;
    this.mce = new MachineCheckProbe(kernel);
    this.hotplug = new HotplugProbe(kernel);
    this.udevObserved = udevObserved;
    this.managed = managed;
  }

  public Inventory read() {
    Problems problems = new Problems();
    List<String> classModel = classModelDevices();
    Parsed<Long> bs =
        kernel
            .readTrimmed(KernelPaths.BLOCK_SIZE)
            .map(t -> SysfsFormats.blockSize(KernelPaths.BLOCK_SIZE, t))
            .orElse(Parsed.ok(0L));
    problems.blockSize = problems.platform(bs.malformed());
    long blockSize = bs.orElse(0L);
    String release = kernel.readTrimmed(KernelPaths.OSRELEASE).orElse("unknown");
    hotplug
        .cmdline()
        .filter(v -> !KNOWN_ONLINE_STATES.contains(v))
        .ifPresent(
            v ->
                problems.platform(
                    new Malformed(
                        KernelPaths.CMDLINE,
                        "memhp_default_state=" + v,
                        "not one of "
                            + String.join(", ", KNOWN_ONLINE_STATES)
                            + " (the kernel ignores it)")));
    Optional<String> meminfo = kernel.read(KernelPaths.MEMINFO);
    meminfo.ifPresent(
        t -> SysfsFormats.meminfoProblems(KernelPaths.MEMINFO, t).forEach(problems::platform));
    Platform platform =
        new Platform(
            release,
            busModel(classModel),
            // without a trustworthy block size no kmem conversion can be planned or checked: the
            // policy's KmemMissing gate then blocks system-ram conversions, and only those
            kernel.exists(KernelPaths.DAX_DRIVERS + "/" + KernelPaths.KMEM) && bs.isOk(),
            blockSize,
            hotplug.probe(release, udevObserved.getAsBoolean(), managed),
            kernel
                .readTrimmed(KernelPaths.DEMOTION)
                .map(v -> v.equals("true") || v.equals("1"))
                .orElse(null),
            SysfsFormats.parseMeminfo(meminfo.orElse(null)).getOrDefault("HardwareCorrupted", 0L),
            mce.probe(problems::platform));
    List<Region> regions = regions(problems);
    List<Dimm> dimms = dimms(problems);
    List<NdBus> buses = buses(problems);
    List<DaxDevice> devices =
        devices(classModel.isEmpty() ? KernelPaths.DAX_DEVICES : KernelPaths.DAX_CLASS, problems);
    List<MemoryBlock> blocks = blocks(devices, blockSize, problems);
    List<NumaNode> nodes = numaNodes(problems);
    List<DaxDevice> usable = new ArrayList<>();
    for (DaxDevice d : devices) {
      MalformedObject dep = problems.dependency(d, regions, blockSize);
      if (dep == null) {
        usable.add(d);
      } else {
        problems.add(
            new MalformedObject(MalformedObject.Kind.DEVICE, d.name(), dep.cause(), dep.name()));
      }
    }
    log(problems.all);
    return new Inventory(
        platform, usable, regions, dimms, buses, blocks, nodes, classModel, problems.all);
  }

  /**
   * Logs each malformed object once, when it appears and when it is gone: a pass runs every few
   * seconds, and a value stays malformed until the kernel (or whoever wrote it) changes it.
   */
  private synchronized void log(List<MalformedObject> now) {
    Set<String> lines = new LinkedHashSet<>();
    now.forEach(m -> lines.add(m.name() + " " + m.reason() + ": " + m.message()));
    for (String l : lines) {
      if (!reported.contains(l)) {
        LOG.warn("{}; left alone until it reads well-formed", l);
      }
    }
    for (String l : reported) {
      if (!lines.contains(l)) {
        LOG.info("no longer malformed: {}", l);
      }
    }
    reported = lines;
  }

  /**
   * The malformed objects of one read, and which devices depend on them: a device depends on its
   * region, the region's bus and DIMMs, the NUMA node it targets and the memory blocks it owns or
   * that its target node holds (the executor scans those to offline it).
   */
  private static final class Problems {
    final List<MalformedObject> all = new ArrayList<>();

    /** A malformed {@code block_size_bytes}, or null. */
    MalformedObject blockSize;

    /** A malformed memory block: the index its name gives (or -1) and its node (or -1). */
    record Block(long guess, int node, MalformedObject report) {}

    final List<Block> blocks = new ArrayList<>();

    void add(MalformedObject m) {
      all.add(m);
    }

    /** Records {@code cause} (when not null) on the object; returns the report or null. */
    MalformedObject add(MalformedObject.Kind kind, String name, Malformed cause) {
      if (cause == null) {
        return null;
      }
      MalformedObject m = new MalformedObject(kind, name, cause, null);
      all.add(m);
      return m;
    }

    MalformedObject platform(Malformed cause) {
      return add(MalformedObject.Kind.PLATFORM, "platform", cause);
    }

    MalformedObject find(MalformedObject.Kind kind, String name) {
      return all.stream()
          .filter(m -> m.kind() == kind && m.name().equals(name))
          .findFirst()
          .orElse(null);
    }

    MalformedObject dependency(DaxDevice d, List<Region> regions, long blockSize) {
      if (this.blockSize != null && d.mode() == DeviceMode.SYSTEM_RAM) {
        // a kmem device's blocks, their offlining and its poison mapping all need the block size
        return this.blockSize;
      }
      if (d.region() != null) {
        MalformedObject r = find(MalformedObject.Kind.REGION, d.region());
        if (r != null) {
          return r;
        }
        Region region =
            regions.stream().filter(x -> x.name().equals(d.region())).findFirst().orElse(null);
        if (region != null) {
          MalformedObject b =
              region.bus() == null ? null : find(MalformedObject.Kind.BUS, region.bus());
          if (b != null) {
            return b;
          }
          for (String dimm : region.dimms()) {
            MalformedObject m = find(MalformedObject.Kind.DIMM, dimm);
            if (m != null) {
              return m;
            }
          }
        }
      }
      MalformedObject node = find(MalformedObject.Kind.NUMA_NODE, "node" + d.targetNode());
      if (node != null) {
        return node;
      }
      for (Block b : blocks) {
        if ((b.guess() >= 0 && d.ownsBlock(b.guess(), blockSize))
            || (b.node() >= 0 && b.node() == d.targetNode())) {
          return b.report();
        }
      }
      return null;
    }

    void block(String name, long guess, int node, Malformed cause) {
      blocks.add(new Block(guess, node, add(MalformedObject.Kind.MEMORY_BLOCK, name, cause)));
    }
  }

  private DaxBusModel busModel(List<String> classModel) {
    if (!classModel.isEmpty()) {
      return DaxBusModel.Class;
    }
    return kernel.exists(KernelPaths.DAX_DEVICES) ? DaxBusModel.Bus : DaxBusModel.Absent;
  }

  /**
   * Devices of the legacy class model: libdaxctl's device_model_is_dax_bus test, the char device's
   * subsystem must be /sys/bus/dax (kernel-abi.md §2.1).
   */
  private List<String> classModelDevices() {
    List<String> out = new ArrayList<>();
    for (String name : kernel.list(KernelPaths.DAX_CLASS)) {
      Optional<String> dev = kernel.readTrimmed(KernelPaths.DAX_CLASS + "/" + name + "/dev");
      String subsystem =
          dev.flatMap(d -> kernel.readlink("/sys/dev/char/" + d + "/subsystem")).orElse("");
      if (!subsystem.equals("/sys/bus/dax")) {
        out.add(name);
      }
    }
    return out;
  }

  /** Reads one object's attributes, keeping the first malformed one. */
  private final class Attrs {
    Malformed bad;

    /** The parsed attribute; {@code absent} when it does not exist or is malformed. */
    <T> T get(String path, BiFunction<String, String, Parsed<T>> parse, T absent) {
      Optional<String> v = kernel.read(path);
      if (v.isEmpty()) {
        return absent;
      }
      Parsed<T> p = parse.apply(path, v.get());
      if (bad == null) {
        bad = p.malformed();
      }
      return p.orElse(absent);
    }

    /** Records a problem found outside {@link #get}. */
    void bad(String path, String value, String problem) {
      bad(new Malformed(path, value, problem));
    }

    void bad(Malformed m) {
      if (bad == null) {
        bad = m;
      }
    }
  }

  private static BiFunction<String, String, Parsed<Long>> decimal(long min, long max) {
    return (p, t) -> SysfsFormats.decimal(p, t, min, max);
  }

  private static final BiFunction<String, String, Parsed<Long>> SIZE =
      decimal(0, SysfsFormats.ADDRESS_LIMIT);
  private static final BiFunction<String, String, Parsed<Integer>> NODE_OR_NONE =
      (p, t) -> SysfsFormats.node(p, t, true);

  private List<DaxDevice> devices(String base, Problems problems) {
    List<DaxDevice> out = new ArrayList<>();
    for (String name : kernel.list(base)) {
      String dir = base + "/" + name;
      Attrs a = new Attrs();
      try {
        DaxDevice d = device(name, dir, a);
        if (a.bad != null) {
          problems.add(MalformedObject.Kind.DEVICE, name, a.bad);
        } else if (d != null) {
          out.add(d);
        }
      } catch (RuntimeException e) {
        // a parser's bounds missed a case: still only this device is lost
        problems.add(MalformedObject.Kind.DEVICE, name, new Malformed(dir, "", "unreadable: " + e));
      }
    }
    return out;
  }

  /** One device, or null for a seed device (size 0); problems go to {@code a}. */
  private DaxDevice device(String name, String dir, Attrs a) {
    long size = a.get(dir + "/size", SIZE, 0L);
    if (size == 0) {
      return null; // a seed device of a dynamic region: nothing to use (or a malformed size)
    }
    String real = kernel.readlink(dir).orElse(dir);
    List<AddressRange> ranges = new ArrayList<>();
    for (String entry : kernel.list(dir)) {
      if (MAPPING.matcher(entry).matches()) {
        Long s = a.get(dir + "/" + entry + "/start", SysfsFormats::address, null);
        Long e = a.get(dir + "/" + entry + "/end", SysfsFormats::address, null);
        if (s != null && e != null) {
          if (e < s) {
            a.bad(dir + "/" + entry + "/end", Sizes.hex(e), "below start " + Sizes.hex(s));
          } else {
            ranges.add(new AddressRange(s, e));
          }
        }
      }
    }
    if (ranges.isEmpty()) {
      long start = a.get(dir + "/resource", SysfsFormats::address, 0L);
      if (start + size > SysfsFormats.ADDRESS_LIMIT) {
        a.bad(dir + "/size", Long.toString(size), "resource + size beyond the address space");
      } else {
        ranges.add(new AddressRange(start, start + size - 1));
      }
    }
    String driver = kernel.readlink(dir + "/driver").map(InventoryReader::last).orElse(null);
    int target = a.get(dir + "/target_node", NODE_OR_NONE, -1);
    int numa = a.get(dir + "/numa_node", NODE_OR_NONE, -1);
    return new DaxDevice(
        name, regionOf(real), memoryType(real), size, ranges, target, numa, driver);
  }

  static String regionOf(String realPath) {
    String found = null;
    for (String part : realPath.split("/")) {
      if (REGION.matcher(part).matches()) {
        found = part;
      }
    }
    return found;
  }

  /** Memory type from the device's sysfs ancestry: libnvdimm bus, CXL root, or soft-reserved. */
  static MemoryType memoryType(String realPath) {
    if (realPath.contains("/ndbus")) {
      return MemoryType.PMEM;
    }
    if (realPath.contains("ACPI0017")
        || realPath.contains("/decoder")
        || realPath.contains("cxl")) {
      return MemoryType.CXL;
    }
    return MemoryType.HMEM;
  }

  private List<Region> regions(Problems problems) {
    List<Region> out = new ArrayList<>();
    for (String name : kernel.list(KernelPaths.ND_DEVICES)) {
      if (!REGION.matcher(name).matches()) {
        continue;
      }
      String dir = KernelPaths.ND_DEVICES + "/" + name;
      Attrs a = new Attrs();
      try {
        Region r = region(name, dir, a);
        if (a.bad != null) {
          problems.add(MalformedObject.Kind.REGION, name, a.bad);
        } else {
          out.add(r);
        }
      } catch (RuntimeException e) {
        problems.add(MalformedObject.Kind.REGION, name, new Malformed(dir, "", "unreadable: " + e));
      }
    }
    return out;
  }

  private Region region(String name, String dir, Attrs a) {
    String real = kernel.readlink(dir).orElse(dir);
    String bus = null;
    for (String part : real.split("/")) {
      if (part.startsWith("ndbus")) {
        bus = part;
      }
    }
    int mappings = a.get(dir + "/mappings", decimal(0, SysfsFormats.MAX_MAPPINGS), 0L).intValue();
    List<String> dimms = new ArrayList<>();
    for (int i = 0; i < mappings; i++) {
      String path = dir + "/mapping" + i;
      Optional<String> m = kernel.readTrimmed(path);
      if (m.isPresent()) {
        // "nmemX,<offset>,<length>,<position>"
        String dimm = m.get().split(",", 2)[0];
        if (DIMM.matcher(dimm).matches()) {
          dimms.add(dimm);
        } else {
          a.bad(path, m.get(), "not 'nmemN,offset,length,position'");
        }
      }
    }
    long start = a.get(dir + "/resource", SysfsFormats::address, 0L);
    long size = a.get(dir + "/size", SIZE, 0L);
    if (start + size > SysfsFormats.ADDRESS_LIMIT) {
      a.bad(dir + "/size", Long.toString(size), "resource + size beyond the address space");
    }
    long available = a.get(dir + "/available_size", decimal(0, size), 0L);
    List<BadBlock> bad =
        a.get(
            dir + "/badblocks", (p, t) -> SysfsFormats.badBlocks(p, t, size), List.<BadBlock>of());
    int target = a.get(dir + "/target_node", NODE_OR_NONE, -1);
    return new Region(
        name,
        bus,
        MemoryType.PMEM,
        start,
        size,
        available,
        bad,
        dimms,
        target,
        kernel.exists(dir + "/driver"));
  }

  private List<Dimm> dimms(Problems problems) {
    List<Dimm> out = new ArrayList<>();
    for (String name : kernel.list(KernelPaths.ND_DEVICES)) {
      if (DIMM.matcher(name).matches()) {
        String dir = KernelPaths.ND_DEVICES + "/" + name;
        Attrs a = new Attrs();
        // An existing but unreadable attribute is a DIMM with security in a transient state
        // (ENOTTY while no flag is set, e.g. during an overwrite), not one without security.
        String security =
            a.get(
                dir + "/security",
                (p, t) ->
                    SECURITY.matcher(t.trim()).matches()
                        ? Parsed.ok(t.trim())
                        : Parsed.bad(p, t, "not a security state"),
                kernel.exists(dir + "/security") ? Dimm.UNKNOWN : null);
        boolean frozen =
            a.get(
                dir + "/frozen",
                (p, t) ->
                    t.trim().matches("[01]")
                        ? Parsed.ok(t.trim().equals("1"))
                        : Parsed.bad(p, t, "not 0 or 1"),
                false);
        if (a.bad != null) {
          problems.add(MalformedObject.Kind.DIMM, name, a.bad);
        } else {
          out.add(new Dimm(name, security, frozen || "frozen".equals(security)));
        }
      }
    }
    return out;
  }

  private List<NdBus> buses(Problems problems) {
    List<NdBus> out = new ArrayList<>();
    for (String name : kernel.list(KernelPaths.ND_DEVICES)) {
      if (name.matches("^ndbus\\d+$")) {
        Optional<String> scrub =
            kernel.readTrimmed(KernelPaths.ND_DEVICES + "/" + name + "/nfit/scrub");
        int count = 0;
        boolean running = false;
        if (scrub.isPresent()) {
          String s = scrub.get();
          running = s.endsWith("+");
          Parsed<Integer> n =
              SysfsFormats.integer(
                  KernelPaths.ND_DEVICES + "/" + name + "/nfit/scrub",
                  running ? s.substring(0, s.length() - 1) : s,
                  0,
                  Integer.MAX_VALUE);
          if (!n.isOk()) {
            problems.add(MalformedObject.Kind.BUS, name, n.malformed());
            continue;
          }
          count = n.orElse(0);
        }
        out.add(new NdBus(name, scrub.isPresent(), count, running));
      }
    }
    return out;
  }

  /** The blocks inside any dax device's range, selected by phys_index × block size. */
  private List<MemoryBlock> blocks(List<DaxDevice> devices, long blockSize, Problems problems) {
    List<MemoryBlock> out = new ArrayList<>();
    if (blockSize <= 0 || devices.isEmpty()) {
      return out;
    }
    long maxIndex = SysfsFormats.ADDRESS_LIMIT / blockSize;
    for (String name : kernel.list(KernelPaths.MEMORY)) {
      Matcher m = BLOCK.matcher(name);
      if (!m.matches()) {
        continue;
      }
      String dir = KernelPaths.MEMORY + "/" + name;
      Attrs a = new Attrs();
      // the directory names carry numbers too: memoryN, and its nodeN link
      Parsed<Long> named = SysfsFormats.decimal(dir, m.group(1), 0, maxIndex);
      int node = -1;
      for (String e : kernel.list(dir)) {
        Matcher n = NODE.matcher(e);
        if (n.matches()) {
          Parsed<Integer> id = SysfsFormats.node(dir + "/" + e, n.group(1), false);
          node = id.orElse(-1);
          if (!id.isOk()) {
            a.bad(dir + "/" + e, n.group(1), id.malformed().problem());
          }
        }
      }
      if (!named.isOk()) {
        problems.block(name, -1, node, named.malformed());
        continue;
      }
      long guess = named.orElse(-1L);
      if (devices.stream().noneMatch(d -> d.ownsBlock(guess, blockSize))) {
        if (a.bad != null) {
          problems.block(name, -1, -1, a.bad);
        }
        continue;
      }
      long index = a.get(dir + "/phys_index", (p, t) -> SysfsFormats.hex(p, t, 0, maxIndex), guess);
      if (a.bad != null) {
        problems.block(name, guess, node, a.bad);
        continue;
      }
      out.add(
          new MemoryBlock(
              index,
              node,
              kernel.readTrimmed(dir + "/state").orElse("unknown"),
              kernel.readTrimmed(dir + "/valid_zones").orElse(null)));
    }
    return out;
  }

  private List<NumaNode> numaNodes(Problems problems) {
    Map<Integer, Integer> tiers = new HashMap<>();
    for (String tier : kernel.list(KernelPaths.MEMORY_TIERS)) {
      if (tier.startsWith("memory_tier")) {
        String path = KernelPaths.MEMORY_TIERS + "/" + tier + "/nodelist";
        Parsed<Integer> t =
            SysfsFormats.integer(
                KernelPaths.MEMORY_TIERS + "/" + tier,
                tier.substring("memory_tier".length()),
                0,
                Integer.MAX_VALUE);
        Parsed<List<Integer>> nodes =
            kernel.read(path).map(v -> SysfsFormats.nodeList(path, v)).orElse(Parsed.ok(List.of()));
        Malformed bad = t.isOk() ? nodes.malformed() : t.malformed();
        if (bad != null) {
          problems.add(MalformedObject.Kind.MEMORY_TIER, tier, bad);
          continue;
        }
        nodes.orElse(List.of()).forEach(n -> tiers.put(n, t.orElse(0)));
      }
    }
    List<NumaNode> out = new ArrayList<>();
    for (String name : kernel.list(KernelPaths.NODES)) {
      Matcher m = NODE.matcher(name);
      if (!m.matches()) {
        continue;
      }
      Parsed<Integer> idp = SysfsFormats.node(KernelPaths.NODES + "/" + name, m.group(1), false);
      if (!idp.isOk()) {
        problems.add(MalformedObject.Kind.NUMA_NODE, name, idp.malformed());
        continue;
      }
      int id = idp.orElse(0);
      String dir = KernelPaths.node(id);
      Attrs a = new Attrs();
      Optional<String> meminfo = kernel.read(dir + "/meminfo");
      Map<String, Long> mi = SysfsFormats.parseMeminfo(meminfo.orElse(null));
      meminfo
          .flatMap(t -> SysfsFormats.meminfoProblems(dir + "/meminfo", t).stream().findFirst())
          .ifPresent(a::bad);
      List<Integer> distances = a.get(dir + "/distance", SysfsFormats::distances, List.of());
      boolean hasCpu = !kernel.readTrimmed(dir + "/cpulist").orElse("").isEmpty();
      problems.add(MalformedObject.Kind.NUMA_NODE, name, a.bad);
      out.add(
          new NumaNode(
              id,
              mi.getOrDefault("MemTotal", 0L),
              mi.getOrDefault("MemFree", 0L),
              hasCpu,
              distances,
              tiers.get(id)));
    }
    return out;
  }

  private static String last(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
