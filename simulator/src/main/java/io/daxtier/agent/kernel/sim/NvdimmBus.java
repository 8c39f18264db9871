package io.daxtier.agent.kernel.sim;

import static io.daxtier.agent.kernel.sim.SimModel.refuse;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimModel.Bus;
import io.daxtier.agent.kernel.sim.SimModel.Dax;
import io.daxtier.agent.kernel.sim.SimModel.Dimm;
import io.daxtier.agent.kernel.sim.SimModel.Region;
import java.util.Optional;

/**
 * The NVDIMM bus (ACPI NFIT) and its regions as ndctl drives them: address range scrub (ARS),
 * bad-block lists and clear-error, disabling and enabling a region, creating devdax namespaces; the
 * {@code /sys/bus/nd} tree with its DIMMs. CXL and hmem regions are kept here too (they own dax
 * devices the same way) but have no nd tree. Not thread-safe: see {@link SimulatedKernel}.
 */
final class NvdimmBus {
  static final String NFIT_ROOT = "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00";

  private final SimModel model;

  /** Failure switches. */
  boolean holdScrub;

  boolean clearErrorsFails;
  boolean enableRegionRefused;

  NvdimmBus(SimModel model) {
    this.model = model;
  }

  /** A write to a bus's {@code nfit/scrub}: starts an ARS. */
  void scrubWrite(String path, String bus, String value) {
    Bus b = model.buses.get(bus);
    if (b == null || !b.ars) {
      throw refuse(path, value, Errno.ENOENT);
    }
    if (b.scrubbing) {
      throw refuse(path, value, Errno.EBUSY);
    }
    b.scrubbing = true;
  }

  /** Starts an ARS; false when the bus has none. */
  boolean startScrub(String bus) {
    Bus b = model.buses.get(bus);
    if (b == null || !b.ars) {
      return false;
    }
    b.scrubbing = true;
    return true;
  }

  /** Completes a running ARS unless held; true when no ARS is running afterwards. */
  boolean awaitScrub(String bus) {
    Bus b = model.buses.get(bus);
    if (b == null || !b.ars) {
      return false;
    }
    if (b.scrubbing && !holdScrub) {
      b.scrubbing = false;
      b.scrubCount++;
    }
    return !b.scrubbing;
  }

  /** Clears known poison in a region (ND_CMD_CLEAR_ERROR); false when it could not. */
  boolean clearErrors(String region) {
    Region r = model.regions.get(region);
    if (r == null || clearErrorsFails) {
      return false;
    }
    r.badBlocks.clear();
    return true;
  }

  /**
   * Disables a region (ndctl disable-region): its namespaces and dax devices go away until it is
   * enabled; refused (false) while one of its devices is bound to kmem.
   */
  boolean disableRegion(String region) {
    Region r = model.regions.get(region);
    if (r == null) {
      return false;
    }
    for (Dax d : model.devices.values()) {
      if (d.region.equals(region) && KernelPaths.KMEM.equals(d.driver)) {
        return false;
      }
    }
    r.disabled = true;
    return true;
  }

  /** Enables a region again: its dax devices come back, bound to device_dax. */
  boolean enableRegion(String region) {
    Region r = model.regions.get(region);
    if (r == null || (r.disabled && enableRegionRefused)) {
      return false;
    }
    if (r.disabled) {
      r.disabled = false;
      for (Dax d : model.devices.values()) {
        if (d.region.equals(region)) {
          d.driver = KernelPaths.DEVICE_DAX;
        }
      }
    }
    return true;
  }

  /** Creates a devdax namespace in a region's free space; empty when there is no room. */
  Optional<String> createNamespace(String region, long size) {
    Region r = model.regions.get(region);
    if (r == null) {
      return Optional.empty();
    }
    long used = r.start;
    for (Dax d : model.devices.values()) {
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
    while (model.devices.containsKey("dax" + regionId + "." + idx)) {
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
    model.devices.put(d.name, d);
    return Optional.of(d.name);
  }

  /** Free bytes of a region. */
  long available(Region r) {
    long used = 0;
    for (Dax d : model.devices.values()) {
      if (d.region.equals(r.name)) {
        used = Math.max(used, d.start + d.size - r.start);
      }
    }
    return Math.max(0, r.size - used);
  }

  /** The buses, DIMMs and pmem regions under the NFIT root, linked from {@code /sys/bus/nd}. */
  void render(SysfsTree.Builder r) {
    for (Bus b : model.buses.values()) {
      String dir = NFIT_ROOT + "/" + b.name;
      r.link("/sys/bus/nd/devices/" + b.name, dir);
      r.file(dir + "/nfit/hw_error_scrub", "0\n");
      r.file(dir + "/nfit/dsm_mask", b.ars ? "0x3fe\n" : "0x0\n");
      if (b.ars) {
        r.file(dir + "/nfit/scrub", b.scrubCount + (b.scrubbing ? "+" : "") + "\n");
      }
    }
    for (Dimm d : model.dimms.values()) {
      String dir = NFIT_ROOT + "/" + d.bus + "/" + d.name;
      r.link("/sys/bus/nd/devices/" + d.name, dir);
      r.file(dir + "/nfit/id", "8680-" + d.name.replaceAll("\\D", "") + "\n");
      if (d.security != null) {
        r.file(dir + "/security", d.security + "\n");
        r.file(dir + "/frozen", (d.frozen ? 1 : 0) + "\n");
      }
    }
    for (Region reg : model.regions.values()) {
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
}
