package io.daxtier.agent.executor;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.model.SysfsFormats;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The executor's reads of one device's kernel state (its driver, its blocks, their states). */
final class DeviceSysfs {
  private static final Pattern BLOCK = Pattern.compile("^memory(\\d+)$");

  private DeviceSysfs() {}

  /** The driver bound to the device ({@code device_dax}, {@code kmem}), or null when unbound. */
  static String driver(Kernel kernel, DaxDevice d) {
    String link = kernel.readlink(KernelPaths.dax(d.name()) + "/driver").orElse(null);
    return link == null ? null : link.substring(link.lastIndexOf('/') + 1);
  }

  /**
   * The device's blocks as the kernel lists them: node{target}/memoryN (or every memoryN while the
   * node has no directory) whose phys_index × block size is in the device's range. A directory scan
   * (what daxctl does); the conversion path computes the ids instead ({@link DaxDevice#blocks}).
   */
  static List<Long> scanBlocks(Kernel kernel, DaxDevice d) {
    long bs = blockSize(kernel);
    List<Long> out = new ArrayList<>();
    if (bs == 0) {
      return out;
    }
    String dir =
        kernel.exists(KernelPaths.node(d.targetNode()))
            ? KernelPaths.node(d.targetNode())
            : KernelPaths.MEMORY;
    for (String e : kernel.list(dir)) {
      Matcher m = BLOCK.matcher(e);
      if (m.matches()) {
        String phys = kernel.readTrimmed(dir + "/" + e + "/phys_index").orElse(null);
        long idx = phys == null ? Long.parseLong(m.group(1)) : Sizes.parseHex(phys);
        if (d.ownsBlock(idx, bs)) {
          out.add(idx);
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** {@code block_size_bytes}, or 0 when the kernel has no memory hotplug in sysfs. */
  static long blockSize(Kernel kernel) {
    String v = kernel.readTrimmed(KernelPaths.BLOCK_SIZE).orElse(null);
    return v == null || v.isEmpty() ? 0L : Sizes.parseHex(v);
  }

  /** A block's state ({@code online}, {@code offline}, {@code going-offline}) or "unknown". */
  static String state(Kernel kernel, long block) {
    return kernel.readTrimmed(KernelPaths.block(block) + "/state").orElse("unknown");
  }

  /**
   * Whether nothing uses a node's memory: MemTotal − MemFree within {@link #UNUSED_SLACK} (the
   * kernel's own per-node structures) or one percent of the node, whichever is larger.
   */
  static boolean unused(Kernel kernel, int node) {
    var info =
        SysfsFormats.parseMeminfo(kernel.read(KernelPaths.node(node) + "/meminfo").orElse(null));
    long total = info.getOrDefault("MemTotal", 0L);
    Long free = info.get("MemFree");
    return free != null && total - free <= Math.max(UNUSED_SLACK, total / 100);
  }

  static final long UNUSED_SLACK = 8 * Sizes.MIB;

  /** A node's MemTotal in bytes, 0 while the node has no sysfs directory. */
  static long memTotal(Kernel kernel, int node) {
    return SysfsFormats.parseMeminfo(kernel.read(KernelPaths.node(node) + "/meminfo").orElse(null))
        .getOrDefault("MemTotal", 0L);
  }
}
