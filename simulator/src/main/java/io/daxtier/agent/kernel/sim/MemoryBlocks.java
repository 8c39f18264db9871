package io.daxtier.agent.kernel.sim;

import static io.daxtier.agent.kernel.sim.SimModel.refuse;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimModel.Block;
import io.daxtier.agent.kernel.sim.SimModel.Dax;
import io.daxtier.agent.kernel.sim.SimModel.Numa;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Memory hotplug: the memory blocks kmem adds for a device, onlining and offlining them (zones by
 * {@code online_policy}, the udev rule, refusals), and what the NUMA nodes show for it (meminfo,
 * {@code has_memory}, memory tiers). Not thread-safe: see {@link SimulatedKernel}.
 */
final class MemoryBlocks {
  private final SimModel model;
  private final Platform platform;
  private final Poison poison;

  /** Failure switch: blocks whose {@code offline} is refused with EBUSY. */
  final Set<Long> busyOnOffline = new HashSet<>();

  MemoryBlocks(SimModel model, Platform platform, Poison poison) {
    this.model = model;
    this.platform = platform;
    this.poison = poison;
  }

  /**
   * kmem's {@code add_memory_driver_managed()}: the device's whole blocks appear on its target
   * node. {@code add_memory_resource()} then onlines each new block itself, in order, when {@code
   * onlineAs} (auto_online_blocks at that moment) is not offline ({@code online_memory_block()}); a
   * udev rule that onlines memory ({@code udevOnline}) runs afterwards, on the uevent of each
   * block, and writes only blocks still offline (RHEL's rule matches {@code
   * ATTR{state}=="offline"}).
   */
  void add(Dax d, String onlineAs, boolean hotAdded) {
    long blockSize = platform.blockSize;
    long first = Math.floorDiv(d.start + blockSize - 1, blockSize);
    long last = Math.floorDiv(d.start + d.size, blockSize) - 1;
    // MHP_MEMMAP_ON_MEMORY (6.8+ kmem, when the device's knob and the parameter are on): the
    // block's struct pages (64 bytes per 4 KiB page) live in the block and are not in MemTotal
    boolean memmap =
        platform.profile.daxMemmapOnMemory()
            && d.memmapOnMemory
            && !platform.memmapOnMemory.equals("N");
    model.nodes.computeIfAbsent(
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
      model.blocks.put(i, b);
      added.add(b);
    }
    for (Block b : added) {
      setOnline(b, onlineAs);
    }
    if (hotAdded && platform.udevOnline != null) {
      for (Block b : added) {
        if (!b.online) {
          setOnline(b, platform.udevOnline);
        }
      }
    }
  }

  /**
   * kmem's {@code remove_memory()} for a device: its blocks go, with their poisoned pages; false
   * (nothing removed) while one of them is online.
   */
  boolean remove(Dax d) {
    List<Block> mine = model.blocks.values().stream().filter(b -> d.name.equals(b.device)).toList();
    if (mine.stream().anyMatch(b -> b.online)) {
      return false;
    }
    long poisoned = 0;
    for (Block b : mine) {
      poisoned += poison.remove(b);
      model.blocks.remove(b.index);
    }
    if (!platform.profile.perBlockPoisonCounter()) {
      // 6.1: num_poisoned_pages is never lowered for removed memory, HardwareCorrupted leaks
      poison.leak(poisoned);
    }
    return true;
  }

  /** A write to a block's {@code state} or {@code online} ({@code attribute}). */
  void write(String path, long index, String attribute, String value) {
    Block b = model.blocks.get(index);
    if (b == null) {
      throw refuse(path, value, Errno.ENOENT);
    }
    if (attribute.equals("online")) {
      // drivers/base/core.c online_store(): kstrtobool, then device_online()/device_offline(),
      // which do nothing for a block already in that state; "1" onlines as plain "online"
      boolean on = Platform.parseBool(value).orElseThrow(() -> refuse(path, value, Errno.EINVAL));
      if (on != b.online) {
        stateWrite(path, b, on ? "online" : "offline");
      }
      return;
    }
    stateWrite(path, b, value);
  }

  private void stateWrite(String path, Block b, String value) {
    switch (value) {
      case "online", "online_kernel", "online_movable" -> {
        if (b.online) {
          throw refuse(path, value, Errno.EINVAL);
        }
        if (platform.profile.onlineRefusesPoisonedBlock() && poison.pagesIn(b) > 0) {
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
    return platform.onlinePolicy.equals("auto-movable") ? autoMovableZone(b) : contigZone(b);
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
    return platform.movableNode ? "Movable" : "Normal";
  }

  private boolean spans(Block b, String zone) {
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (Block o : model.blocks.values()) {
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
    if (platform.autoMovableRatio == 0) {
      return "Normal";
    }
    List<Block> group =
        model.blocks.values().stream().filter(o -> Objects.equals(o.device, b.device)).toList();
    if (group.stream().anyMatch(o -> o.online && !"Movable".equals(o.zone))) {
      return "Normal";
    }
    long movableDone = group.stream().filter(o -> o.online).count();
    long pages = (group.size() - movableDone) * (platform.blockSize / SimSizes.PAGE);
    if (!canOnlineMovable(null, pages)) {
      return "Normal";
    }
    if (platform.autoMovableNumaAware && !canOnlineMovable(b.node, pages)) {
      return "Normal";
    }
    return "Movable";
  }

  /** {@code auto_movable_can_online_movable()} without dynamic memory groups or CMA. */
  private boolean canOnlineMovable(Integer node, long pages) {
    long kernelEarly = 0;
    for (Numa n : model.nodes.values()) {
      if (node == null || n.id == node) {
        kernelEarly += n.baseTotal / SimSizes.PAGE;
      }
    }
    long movable = 0;
    for (Block o : model.blocks.values()) {
      if (o.online && "Movable".equals(o.zone) && (node == null || o.node == node)) {
        movable += platform.blockSize / SimSizes.PAGE;
      }
    }
    if (kernelEarly <= 0) {
      return false;
    }
    return movable + pages <= platform.autoMovableRatio * kernelEarly / 100;
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

  /** Online hot-added memory of a node, less the memmap a memmap_on_memory block carries. */
  private long onlineBytes(int node) {
    return model.blocks.values().stream()
        .filter(b -> b.node == node && b.online)
        .mapToLong(b -> platform.blockSize - b.memmapBytes)
        .sum();
  }

  /** {@code /proc/meminfo} ({@code n == null}) or a node's {@code meminfo}. */
  String meminfo(Numa n) {
    long total;
    long free;
    String prefix;
    if (n == null) {
      total = model.nodes.values().stream().mapToLong(x -> x.baseTotal + onlineBytes(x.id)).sum();
      free = model.nodes.values().stream().mapToLong(x -> x.baseFree + onlineBytes(x.id)).sum();
      prefix = "";
    } else {
      total = n.baseTotal + onlineBytes(n.id);
      free = n.baseFree + onlineBytes(n.id);
      prefix = "Node " + n.id + " ";
    }
    long hw = poison.bytes(n == null ? null : n.id);
    free -= hw;
    return String.format(
        "%sMemTotal:       %8d kB%n%sMemFree:        %8d kB%n%sHardwareCorrupted: %5d kB%n",
        prefix, total / 1024, prefix, free / 1024, prefix, hw / 1024);
  }

  /** The NUMA nodes, the memory blocks and the memory tiers. */
  void render(SysfsTree.Builder r) {
    Set<Integer> online = new TreeSet<>();
    Set<Integer> hasMemory = new TreeSet<>();
    Set<Integer> hasCpu = new TreeSet<>();
    for (Numa n : model.nodes.values()) {
      boolean hasBlocks = model.blocks.values().stream().anyMatch(b -> b.node == n.id);
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
    r.file(KernelPaths.NODES + "/possible", ranges(model.nodes.keySet()) + "\n");
    r.file(KernelPaths.NODES + "/online", ranges(online) + "\n");
    r.file(KernelPaths.NODES + "/has_memory", ranges(hasMemory) + "\n");
    r.file(KernelPaths.NODES + "/has_cpu", ranges(hasCpu) + "\n");
    for (Block b : model.blocks.values()) {
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
    Numa n = model.nodes.get(id);
    boolean kmemNode = n.cpus.isEmpty() && n.baseTotal == 0;
    int fallback =
        kmemNode
            ? KernelProfile.MEMTIER_DEFAULT_DAX_ADISTANCE
            : KernelProfile.MEMTIER_ADISTANCE_DRAM;
    if (!platform.profile.adistanceFromPerformance() || n.perf == null || !n.perf.usable()) {
      return fallback;
    }
    KernelProfile.Perf ref = null;
    for (Numa dram : model.nodes.values()) {
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

  private String distances(Numa n) {
    List<String> out = new ArrayList<>();
    for (Numa other : model.nodes.values()) {
      int idx = new ArrayList<>(model.nodes.keySet()).indexOf(other.id);
      if (idx < n.distances.size()) {
        out.add(Integer.toString(n.distances.get(idx)));
      } else {
        out.add(other.id == n.id ? "10" : "20");
      }
    }
    return String.join(" ", out);
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
}
