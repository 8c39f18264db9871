package io.daxtier.agent.inventory;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Dimm;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.MemoryBlock;
import io.daxtier.agent.model.NdBus;
import io.daxtier.agent.model.NumaNode;
import io.daxtier.agent.model.Platform;
import io.daxtier.agent.model.Region;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.model.SysfsFormats;
import io.daxtier.api.v1alpha1.DaxBusModel;
import io.daxtier.api.v1alpha1.MemoryType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads sysfs into an immutable {@link Inventory}. Reads only; never writes. */
public final class InventoryReader {
  private static final Pattern REGION = Pattern.compile("^region\\d+$");
  private static final Pattern BLOCK = Pattern.compile("^memory(\\d+)$");
  private static final Pattern NODE = Pattern.compile("^node(\\d+)$");
  private static final Pattern MAPPING = Pattern.compile("^mapping\\d+$");

  private final Kernel kernel;
  private final MachineCheckProbe mce;

  private final HotplugProbe hotplug;
  private final BooleanSupplier udevObserved;
  private final boolean managed;

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
    List<String> classModel = classModelDevices();
    List<DaxDevice> devices =
        devices(classModel.isEmpty() ? KernelPaths.DAX_DEVICES : KernelPaths.DAX_CLASS);
    long blockSize = kernel.readTrimmed(KernelPaths.BLOCK_SIZE).map(Sizes::parseHex).orElse(0L);
    String release = kernel.readTrimmed(KernelPaths.OSRELEASE).orElse("unknown");
    Platform platform =
        new Platform(
            release,
            busModel(classModel),
            kernel.exists(KernelPaths.DAX_DRIVERS + "/" + KernelPaths.KMEM),
            blockSize,
            hotplug.probe(release, udevObserved.getAsBoolean(), managed),
            kernel
                .readTrimmed(KernelPaths.DEMOTION)
                .map(v -> v.equals("true") || v.equals("1"))
                .orElse(null),
            SysfsFormats.parseMeminfo(kernel.read(KernelPaths.MEMINFO).orElse(null))
                .getOrDefault("HardwareCorrupted", 0L),
            mce.probe());
    return new Inventory(
        platform,
        devices,
        regions(),
        dimms(),
        buses(),
        blocks(devices, blockSize),
        numaNodes(),
        classModel);
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

  private List<DaxDevice> devices(String base) {
    List<DaxDevice> out = new ArrayList<>();
    for (String name : kernel.list(base)) {
      String dir = base + "/" + name;
      long size = kernel.readTrimmed(dir + "/size").map(Long::parseLong).orElse(0L);
      if (size == 0) {
        continue; // a seed device of a dynamic region: nothing to use
      }
      String real = kernel.readlink(dir).orElse(dir);
      List<AddressRange> ranges = new ArrayList<>();
      for (String entry : kernel.list(dir)) {
        if (MAPPING.matcher(entry).matches()) {
          Optional<String> s = kernel.readTrimmed(dir + "/" + entry + "/start");
          Optional<String> e = kernel.readTrimmed(dir + "/" + entry + "/end");
          if (s.isPresent() && e.isPresent()) {
            ranges.add(new AddressRange(Sizes.parseHex(s.get()), Sizes.parseHex(e.get())));
          }
        }
      }
      if (ranges.isEmpty()) {
        long start = kernel.readTrimmed(dir + "/resource").map(Sizes::parseHex).orElse(0L);
        ranges.add(new AddressRange(start, start + size - 1));
      }
      String driver = kernel.readlink(dir + "/driver").map(InventoryReader::last).orElse(null);
      out.add(
          new DaxDevice(
              name,
              regionOf(real),
              memoryType(real),
              size,
              ranges,
              readInt(dir + "/target_node", -1),
              readInt(dir + "/numa_node", -1),
              driver));
    }
    return out;
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

  private List<Region> regions() {
    List<Region> out = new ArrayList<>();
    for (String name : kernel.list(KernelPaths.ND_DEVICES)) {
      if (!REGION.matcher(name).matches()) {
        continue;
      }
      String dir = KernelPaths.ND_DEVICES + "/" + name;
      String real = kernel.readlink(dir).orElse(dir);
      String bus = null;
      for (String part : real.split("/")) {
        if (part.startsWith("ndbus")) {
          bus = part;
        }
      }
      int mappings = readInt(dir + "/mappings", 0);
      List<String> dimms = new ArrayList<>();
      for (int i = 0; i < mappings; i++) {
        kernel.readTrimmed(dir + "/mapping" + i).map(m -> m.split(",")[0]).ifPresent(dimms::add);
      }
      out.add(
          new Region(
              name,
              bus,
              MemoryType.PMEM,
              kernel.readTrimmed(dir + "/resource").map(Sizes::parseHex).orElse(0L),
              kernel.readTrimmed(dir + "/size").map(Long::parseLong).orElse(0L),
              kernel.readTrimmed(dir + "/available_size").map(Long::parseLong).orElse(0L),
              SysfsFormats.parseBadBlocks(kernel.read(dir + "/badblocks").orElse("")),
              dimms,
              readInt(dir + "/target_node", -1),
              kernel.exists(dir + "/driver")));
    }
    return out;
  }

  private List<Dimm> dimms() {
    List<Dimm> out = new ArrayList<>();
    for (String name : kernel.list(KernelPaths.ND_DEVICES)) {
      if (name.matches("^nmem\\d+$")) {
        String dir = KernelPaths.ND_DEVICES + "/" + name;
        // An existing but unreadable attribute is a DIMM with security in a transient state
        // (ENOTTY while no flag is set, e.g. during an overwrite), not one without security.
        String security =
            kernel
                .readTrimmed(dir + "/security")
                .orElse(kernel.exists(dir + "/security") ? Dimm.UNKNOWN : null);
        out.add(
            new Dimm(
                name,
                security,
                kernel.readTrimmed(dir + "/frozen").map("1"::equals).orElse(false)
                    || "frozen".equals(security)));
      }
    }
    return out;
  }

  private List<NdBus> buses() {
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
          try {
            count = Integer.parseInt(running ? s.substring(0, s.length() - 1) : s);
          } catch (NumberFormatException e) {
            count = 0;
          }
        }
        out.add(new NdBus(name, scrub.isPresent(), count, running));
      }
    }
    return out;
  }

  /** The blocks inside any dax device's range, selected by phys_index × block size. */
  private List<MemoryBlock> blocks(List<DaxDevice> devices, long blockSize) {
    List<MemoryBlock> out = new ArrayList<>();
    if (blockSize <= 0 || devices.isEmpty()) {
      return out;
    }
    for (String name : kernel.list(KernelPaths.MEMORY)) {
      Matcher m = BLOCK.matcher(name);
      if (!m.matches()) {
        continue;
      }
      long guess = Long.parseLong(m.group(1));
      if (devices.stream().noneMatch(d -> d.ownsBlock(guess, blockSize))) {
        continue;
      }
      String dir = KernelPaths.MEMORY + "/" + name;
      long index = kernel.readTrimmed(dir + "/phys_index").map(Sizes::parseHex).orElse(guess);
      int node = -1;
      for (String e : kernel.list(dir)) {
        Matcher n = NODE.matcher(e);
        if (n.matches()) {
          node = Integer.parseInt(n.group(1));
        }
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

  private List<NumaNode> numaNodes() {
    Map<Integer, Integer> tiers = new HashMap<>();
    for (String tier : kernel.list(KernelPaths.MEMORY_TIERS)) {
      if (tier.startsWith("memory_tier")) {
        int t = Integer.parseInt(tier.substring("memory_tier".length()));
        kernel
            .readTrimmed(KernelPaths.MEMORY_TIERS + "/" + tier + "/nodelist")
            .map(SysfsFormats::parseList)
            .ifPresent(l -> l.forEach(n -> tiers.put(n, t)));
      }
    }
    List<NumaNode> out = new ArrayList<>();
    for (String name : kernel.list(KernelPaths.NODES)) {
      Matcher m = NODE.matcher(name);
      if (!m.matches()) {
        continue;
      }
      int id = Integer.parseInt(m.group(1));
      String dir = KernelPaths.node(id);
      Map<String, Long> mi = SysfsFormats.parseMeminfo(kernel.read(dir + "/meminfo").orElse(null));
      List<Integer> distances = new ArrayList<>();
      for (String d : kernel.readTrimmed(dir + "/distance").orElse("").split("\\s+")) {
        if (!d.isEmpty()) {
          distances.add(Integer.parseInt(d));
        }
      }
      out.add(
          new NumaNode(
              id,
              mi.getOrDefault("MemTotal", 0L),
              mi.getOrDefault("MemFree", 0L),
              !kernel.readTrimmed(dir + "/cpulist").orElse("").isEmpty(),
              distances,
              tiers.get(id)));
    }
    return out;
  }

  private int readInt(String path, int dflt) {
    try {
      return kernel.readTrimmed(path).map(Integer::parseInt).orElse(dflt);
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static String last(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
