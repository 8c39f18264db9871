package io.daxtier.agent.kernel.sim;

import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimModel.Bus;
import io.daxtier.agent.kernel.sim.SimModel.Dax;
import io.daxtier.agent.kernel.sim.SimModel.Dimm;
import io.daxtier.agent.kernel.sim.SimModel.Numa;
import io.daxtier.agent.kernel.sim.SimModel.Region;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Fills a new simulated kernel's parts from a node description ({@link SimNodeSpec}). */
final class NodeLoader {
  private NodeLoader() {}

  static void load(SimNodeSpec s, SimModel model, Platform p, MemoryBlocks memory, DaxBus dax) {
    if (s.kernel() != null) {
      p.release = s.kernel();
    }
    p.profile = KernelProfile.of(p.release);
    if (s.blockSize() != null) {
      p.blockSize = SimSizes.parse(s.blockSize());
    }
    p.demotion = Boolean.TRUE.equals(s.demotionEnabled());
    if (s.cmdline() != null) {
      p.cmdline = s.cmdline();
    }
    p.bootParameters();
    if (s.autoOnlineBlocks() != null) {
      p.autoOnline = s.autoOnlineBlocks(); // as if written at run time: wins over boot and build
    }
    if (s.onlinePolicy() != null) {
      if (!Set.of("contig-zones", "auto-movable").contains(s.onlinePolicy())) {
        throw new IllegalArgumentException("onlinePolicy " + s.onlinePolicy());
      }
      p.onlinePolicy = s.onlinePolicy();
    }
    if (s.udevOnline() != null) {
      if (!Set.of("online", "online_kernel", "online_movable").contains(s.udevOnline())) {
        throw new IllegalArgumentException("udevOnline " + s.udevOnline());
      }
      p.udevOnline = s.udevOnline();
    }
    p.kmemLoaded = s.kmem() == null || s.kmem();
    p.kmemLoadable = s.kmemLoadable() == null ? p.kmemLoaded : s.kmemLoadable();
    p.classModel = Boolean.TRUE.equals(s.classModel());
    if (s.cpu() != null) {
      SimNodeSpec.Cpu c = s.cpu();
      p.cpuVendor = c.vendor() == null ? p.cpuVendor : c.vendor();
      p.cpuFamily = c.family() == null ? p.cpuFamily : c.family();
      p.cpuModel = c.model() == null ? p.cpuModel : c.model();
      p.cpuFlags = c.flags() == null ? p.cpuFlags : List.copyOf(c.flags());
      p.mcgCap = c.mcgCap() == null ? null : SimSizes.parseHex(c.mcgCap());
      p.cpuCount = c.cpus() == null ? p.cpuCount : c.cpus();
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
      model.nodes.put(m.id, m);
    }
    for (SimNodeSpec.Bus b : orEmpty(s.buses())) {
      Bus m = new Bus();
      m.name = b.name();
      m.ars = Boolean.TRUE.equals(b.ars());
      m.scrubCount = b.scrubCount() == null ? 0 : b.scrubCount();
      model.buses.put(m.name, m);
    }
    for (SimNodeSpec.Dimm d : orEmpty(s.dimms())) {
      Dimm m = new Dimm();
      m.name = d.name();
      m.bus = d.bus() == null ? "ndbus0" : d.bus();
      m.security = d.security();
      m.frozen = Boolean.TRUE.equals(d.frozen());
      model.dimms.put(m.name, m);
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
      model.regions.put(m.name, m);
      if (m.type.equals("pmem") && !model.buses.containsKey(m.bus)) {
        Bus b = new Bus();
        b.name = m.bus;
        model.buses.put(b.name, b);
      }
    }
    for (SimNodeSpec.Dax d : orEmpty(s.daxDevices())) {
      Region r = model.regions.get(d.region());
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
      model.devices.put(m.name, m);
      String mode = d.mode() == null ? "devdax" : d.mode();
      switch (mode) {
        case "devdax" -> m.driver = KernelPaths.DEVICE_DAX;
        case "unbound" -> m.driver = null;
        case "system-ram" -> {
          m.driver = KernelPaths.KMEM;
          dax.kmemIds.add(m.name);
          memory.add(m, Boolean.TRUE.equals(d.online()) ? zoneWrite(d.zone()) : "offline", false);
        }
        default -> throw new IllegalArgumentException(d.name() + ": mode " + mode);
      }
    }
  }

  private static String zoneWrite(String zone) {
    return "Normal".equals(zone) ? "online_kernel" : "online_movable";
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }

  private static <T> List<T> orEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }
}
