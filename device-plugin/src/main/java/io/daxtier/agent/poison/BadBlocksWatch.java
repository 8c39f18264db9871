package io.daxtier.agent.poison;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the agent as soon as a region's bad-block list changes, instead of at the next periodic
 * pass. The kernel rewrites {@code regionN/badblocks} when an ARS or a machine-check notification
 * finds poison and signals it through sysfs_notify(); the JDK has no poll(2) on a sysfs attribute,
 * so the watch re-reads just those attributes (a few bytes each) every tick and triggers a pass on
 * any change. Without {@link #prime()}, the first tick only records the lists.
 */
public final class BadBlocksWatch implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(BadBlocksWatch.class);
  private final Kernel kernel;
  private final Runnable onChange;
  private Map<String, String> last;

  public BadBlocksWatch(Kernel kernel, Runnable onChange) {
    this.kernel = kernel;
    this.onChange = onChange;
  }

  /**
   * Records the lists as they are now; call it before the first pass starts, so a change during
   * that pass (which may take long: an ARS, the device plugin's start) is not mistaken for the
   * starting point.
   */
  public BadBlocksWatch prime() {
    last = read();
    return this;
  }

  @Override
  public void run() {
    Map<String, String> now = read();
    boolean changed = last != null && !now.equals(last);
    last = now;
    if (changed) {
      LOG.info("bad-block lists changed: a pass now");
      onChange.run();
    }
  }

  private Map<String, String> read() {
    Map<String, String> lists = new HashMap<>();
    for (String name : kernel.list(KernelPaths.ND_DEVICES)) {
      if (name.startsWith("region")) {
        kernel
            .read(KernelPaths.ND_DEVICES + "/" + name + "/badblocks")
            .ifPresent(v -> lists.put(name, v));
      }
    }
    return lists;
  }
}
