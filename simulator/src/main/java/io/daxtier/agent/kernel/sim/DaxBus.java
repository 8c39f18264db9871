package io.daxtier.agent.kernel.sim;

import static io.daxtier.agent.kernel.sim.SimModel.refuse;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimModel.Dax;
import io.daxtier.agent.kernel.sim.SimModel.Region;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dax bus: device-dax devices and their two drivers, {@code device_dax} and {@code kmem} (bind,
 * unbind, {@code new_id}/{@code remove_id}, matching by id or region type), loading kmem, and a
 * device's {@code memmap_on_memory}. Binding kmem hot-adds the device's memory ({@link
 * MemoryBlocks}). Not thread-safe: see {@link SimulatedKernel}.
 */
final class DaxBus {
  private static final Pattern DAX_NAME = Pattern.compile("^dax(\\d+)\\.(\\d+)$");

  private final SimModel model;
  private final Platform platform;
  private final MemoryBlocks blocks;

  final Set<String> kmemIds = new HashSet<>();
  private final Set<String> devdaxIds = new HashSet<>();

  /** Failure switch: devices kmem's probe refuses. */
  final Set<String> kmemRefuses = new HashSet<>();

  DaxBus(SimModel model, Platform platform, MemoryBlocks blocks) {
    this.model = model;
    this.platform = platform;
    this.blocks = blocks;
  }

  /** Loads kmem ({@code modprobe}); true when it is loaded afterwards. */
  boolean loadModule(String name) {
    if (name.equals(KernelPaths.KMEM) && platform.kmemLoadable && !platform.kmemLoaded) {
      platform.kmemLoaded = true;
      // driver_register() attaches the driver to every unbound device it matches: from 6.3 the
      // CXL and hmem devices (dax_match_type()), before 6.3 none (kmem matches ids only)
      for (Dax d : model.devices.values()) {
        if (d.driver == null && !d.leaked && matches(d, KernelPaths.KMEM)) {
          try {
            probe(KernelPaths.driver(KernelPaths.KMEM, "bind"), d, KernelPaths.KMEM, false);
          } catch (KernelException e) {
            // a failed probe leaves the device unbound
          }
        }
      }
    }
    return name.equals(KernelPaths.KMEM) && platform.kmemLoaded;
  }

  /** A write to a driver's {@code bind}, {@code unbind}, {@code new_id} or {@code remove_id}. */
  void driverWrite(String path, String driver, String op, String value) {
    if (driver.equals(KernelPaths.KMEM) && !platform.kmemLoaded) {
      throw refuse(path, value, Errno.ENOENT);
    }
    Matcher id = DAX_NAME.matcher(value);
    if ((op.equals("new_id") || op.equals("remove_id")) && !id.matches()) {
      throw refuse(path, value, Errno.EINVAL); // dax bus parses "dax%d.%d" exactly
    }
    Set<String> ids = driver.equals(KernelPaths.KMEM) ? kmemIds : devdaxIds;
    Dax d = model.devices.get(value);
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
        if (driver.equals(KernelPaths.KMEM) && !blocks.remove(d)) {
          // remove_memory() is one shot: the range is leaked until reboot (kmem.c, notes 4b).
          d.leaked = true;
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
    if (!platform.profile.kmemMatchesByType()) {
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
    String type = model.regions.get(d.region).type;
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
      blocks.add(d, platform.autoOnline, true);
    }
  }

  /** drivers/dax/bus.c {@code memmap_on_memory_store()} (6.8+). */
  void memmapWrite(String path, Dax d, String value) {
    boolean on = Platform.parseBool(value).orElseThrow(() -> refuse(path, value, Errno.EINVAL));
    if (on && platform.memmapOnMemory.equals("N")) {
      throw refuse(path, value, Errno.EOPNOTSUPP); // !mhp_supports_memmap_on_memory()
    }
    if (on != d.memmapOnMemory && KernelPaths.KMEM.equals(d.driver)) {
      throw refuse(path, value, Errno.EBUSY);
    }
    d.memmapOnMemory = on;
  }

  /** The bus, its drivers and every device of an enabled region. */
  void render(SysfsTree.Builder r) {
    String bus = platform.classModel ? KernelPaths.DAX_CLASS : KernelPaths.DAX_DEVICES;
    r.dir(bus);
    if (!platform.classModel) {
      r.dir(KernelPaths.DAX_DRIVERS + "/" + KernelPaths.DEVICE_DAX);
      for (String f : List.of("bind", "unbind", "new_id", "remove_id")) {
        r.file(KernelPaths.driver(KernelPaths.DEVICE_DAX, f), "");
        if (platform.kmemLoaded) {
          r.file(KernelPaths.driver(KernelPaths.KMEM, f), "");
        }
      }
      if (platform.kmemLoaded) {
        r.dir("/sys/module/kmem");
      }
    }
    int minor = 0;
    for (Dax d : model.devices.values()) {
      Region reg = model.regions.get(d.region);
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
      if (platform.profile.daxMemmapOnMemory()) {
        r.file(dir + "/memmap_on_memory", (d.memmapOnMemory ? 1 : 0) + "\n");
      }
      r.file(dir + "/mapping0/start", SimSizes.hex(d.start) + "\n");
      r.file(dir + "/mapping0/end", SimSizes.hex(d.start + d.size - 1) + "\n");
      r.file(dir + "/mapping0/page_offset", "0x0\n");
      String dev = "252:" + minor++;
      r.file(dir + "/dev", dev + "\n");
      r.link("/sys/dev/char/" + dev, dir);
      r.file("/dev/" + d.name, "");
      if (platform.classModel) {
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

  private static String realDir(Dax d, Region reg) {
    return switch (reg.type) {
      case "cxl" ->
          "/sys/devices/platform/ACPI0017:00/root0/decoder0.0/"
              + reg.name
              + "/dax_"
              + reg.name
              + "/"
              + d.name;
      case "hmem" -> "/sys/devices/platform/hmem." + reg.name.replaceAll("\\D", "") + "/" + d.name;
      default -> NvdimmBus.NFIT_ROOT + "/" + reg.bus + "/" + reg.name + "/" + d.name + "/" + d.name;
    };
  }
}
