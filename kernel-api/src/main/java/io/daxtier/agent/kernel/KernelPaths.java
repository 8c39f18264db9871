package io.daxtier.agent.kernel;

/** The sysfs/procfs paths the agent uses (kernel-abi.md §2). */
public final class KernelPaths {
  public static final String DAX_DEVICES = "/sys/bus/dax/devices";
  public static final String DAX_DRIVERS = "/sys/bus/dax/drivers";
  public static final String DEVICE_DAX = "device_dax";
  public static final String KMEM = "kmem";
  public static final String DAX_CLASS = "/sys/class/dax";
  public static final String ND_DEVICES = "/sys/bus/nd/devices";
  public static final String MEMORY = "/sys/devices/system/memory";
  public static final String BLOCK_SIZE = MEMORY + "/block_size_bytes";
  public static final String AUTO_ONLINE = MEMORY + "/auto_online_blocks";
  public static final String ONLINE_POLICY = "/sys/module/memory_hotplug/parameters/online_policy";
  public static final String CONFIG_GZ = "/proc/config.gz";
  public static final String HARD_OFFLINE_PAGE = MEMORY + "/hard_offline_page";

  /** One little-endian u64 of page flags per page frame; KPF_HWPOISON is bit 19. */
  public static final String KPAGEFLAGS = "/proc/kpageflags";

  public static final String NODES = "/sys/devices/system/node";
  public static final String MEMORY_TIERS = "/sys/devices/virtual/memory_tiering";
  public static final String DEMOTION = "/sys/kernel/mm/numa/demotion_enabled";
  public static final String OSRELEASE = "/proc/sys/kernel/osrelease";
  public static final String CMDLINE = "/proc/cmdline";
  public static final String CPUINFO = "/proc/cpuinfo";
  public static final String MEMINFO = "/proc/meminfo";

  private KernelPaths() {}

  public static String driver(String driver, String file) {
    return DAX_DRIVERS + "/" + driver + "/" + file;
  }

  public static String dax(String device) {
    return DAX_DEVICES + "/" + device;
  }

  public static String block(long index) {
    return MEMORY + "/memory" + index;
  }

  public static String node(int id) {
    return NODES + "/node" + id;
  }
}
