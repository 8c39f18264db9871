package io.daxtier.agent.cli;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.Inventory;
import io.daxtier.api.v1alpha1.DaxBusModel;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PoolMode;
import java.io.PrintWriter;
import java.util.List;

/** The checks with their own exit codes, in the order a user would fix them. */
final class Preflight {
  private Preflight() {}

  static int sysfs(Kernel k, PrintWriter err) {
    if (!k.exists("/sys/devices/system")) {
      err.println("error: no sysfs: /sys/devices/system is missing under --root");
      return ExitCodes.NO_SYSFS;
    }
    return ExitCodes.OK;
  }

  static int platform(Kernel k, Inventory inv, List<NodePool> pools, PrintWriter err) {
    if (inv.platform().busModel() == DaxBusModel.Class) {
      err.println(
          "error: device-dax uses the legacy /sys/class/dax model ("
              + String.join(",", inv.classModelDevices())
              + "); boot a kernel >= 5.16 or blacklist dax_pmem_compat so devices appear on"
              + " /sys/bus/dax");
      return ExitCodes.CLASS_MODEL;
    }
    boolean wantsKmem =
        pools.stream()
            .anyMatch(p -> p.state == NodePoolState.Active && p.spec.mode == PoolMode.SystemRam);
    if (wantsKmem
        && !k.exists(KernelPaths.DAX_DRIVERS + "/" + KernelPaths.KMEM)
        && !k.loadModule(KernelPaths.KMEM)) {
      err.println(
          "error: the kmem driver is missing and modprobe kmem failed (CONFIG_DEV_DAX_KMEM)");
      return ExitCodes.KMEM_MISSING;
    }
    return ExitCodes.OK;
  }
}
