package io.daxtier.agent.kernel.sim;

import static io.daxtier.agent.kernel.sim.SimModel.refuse;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.KernelPaths;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The node's kernel build and boot: release and {@link KernelProfile}, command line, the {@code
 * memory_hotplug} parameters and {@code auto_online_blocks}, demotion, the CPUs (cpuinfo, the
 * MCG_CAP MSR) and whether kmem is loaded. Not thread-safe: see {@link SimulatedKernel}.
 */
final class Platform {
  static final String HOTPLUG_PARAMS = "/sys/module/memory_hotplug/parameters";
  static final String AUTO_MOVABLE_RATIO = HOTPLUG_PARAMS + "/auto_movable_ratio";
  static final String AUTO_MOVABLE_NUMA_AWARE = HOTPLUG_PARAMS + "/auto_movable_numa_aware";
  static final String MEMMAP_ON_MEMORY = HOTPLUG_PARAMS + "/memmap_on_memory";
  static final Set<String> ONLINE_TYPES =
      Set.of("offline", "online", "online_kernel", "online_movable");

  private static final Pattern SAFE_RELEASE = Pattern.compile("^[A-Za-z0-9._+~-]+$");
  private static final Pattern MSR = Pattern.compile("^/dev/cpu/\\d+/msr$");

  String release = KernelProfile.DEFAULT_RELEASE;
  KernelProfile profile = KernelProfile.of(release);
  String onlinePolicy = "contig-zones";
  int autoMovableRatio = 301;
  boolean autoMovableNumaAware = true;
  String memmapOnMemory = "N";
  boolean movableNode;
  String udevOnline;
  long blockSize = 128 * SimSizes.MIB;
  String autoOnline = "offline";
  boolean demotion;
  String cmdline = "console=ttyS0";
  boolean kmemLoaded = true;
  boolean kmemLoadable = true;
  boolean classModel;
  String cpuVendor = "GenuineIntel";
  int cpuFamily = 6;
  int cpuModel = 85;
  List<String> cpuFlags = List.of("fpu", "mce", "erms");
  Long mcgCap;
  int cpuCount = 2;

  /**
   * What the command line sets at boot, as the kernel parses it: {@code memhp_default_state=} (the
   * last valid one; an unknown value leaves the build default, mm/memory_hotplug.c {@code
   * setup_memhp_default_state()}), the {@code memory_hotplug.*} parameters of the built-in
   * memory_hotplug code, and {@code movable_node}.
   */
  void bootParameters() {
    autoOnline = profile.buildDefaultOnline();
    for (String arg : cmdline.trim().split("\\s+")) {
      int eq = arg.indexOf('=');
      String key = (eq < 0 ? arg : arg.substring(0, eq)).replace('-', '_');
      String value = eq < 0 ? "" : arg.substring(eq + 1);
      switch (key) {
        case "memhp_default_state" -> {
          if (ONLINE_TYPES.contains(value)) {
            autoOnline = value;
          }
        }
        case "memory_hotplug.online_policy" -> {
          if (value.equals("contig-zones") || value.equals("auto-movable")) {
            onlinePolicy = value;
          }
        }
        case "memory_hotplug.auto_movable_ratio" -> {
          if (value.matches("\\d{1,9}")) {
            autoMovableRatio = Integer.parseInt(value);
          }
        }
        case "memory_hotplug.auto_movable_numa_aware" ->
            parseBool(value).ifPresent(b -> autoMovableNumaAware = b);
        case "memory_hotplug.memmap_on_memory" -> {
          if (value.equals("force") && profile.memmapOnMemoryForce()) {
            memmapOnMemory = "force";
          } else {
            parseBool(value.isEmpty() ? "1" : value).ifPresent(b -> memmapOnMemory = b ? "Y" : "N");
          }
        }
        case "movable_node" -> movableNode = true;
        default -> {
          // not modelled
        }
      }
    }
  }

  /** lib/kstrtox.c {@code kstrtobool()}: 1/0, y/n, t/f, on/off, by their first letters. */
  static Optional<Boolean> parseBool(String v) {
    if (v.isEmpty()) {
      return Optional.empty();
    }
    String l = v.toLowerCase(java.util.Locale.ROOT);
    return switch (l.charAt(0)) {
      case '1', 'y', 't' -> Optional.of(true);
      case '0', 'n', 'f' -> Optional.of(false);
      case 'o' ->
          l.startsWith("on")
              ? Optional.of(true)
              : l.startsWith("of") ? Optional.of(false) : Optional.empty();
      default -> Optional.empty();
    };
  }

  /** A write to one of the parameters; false when {@code path} is not one. */
  boolean write(String path, String value) {
    switch (path) {
      case KernelPaths.AUTO_ONLINE -> {
        // auto_online_blocks_store(): mhp_online_type_from_str() or EINVAL
        if (!ONLINE_TYPES.contains(value)) {
          throw refuse(path, value, Errno.EINVAL);
        }
        autoOnline = value;
      }
      case KernelPaths.ONLINE_POLICY -> {
        // set_online_policy(): sysfs_match_string() over the two names, else EINVAL
        if (!value.equals("contig-zones") && !value.equals("auto-movable")) {
          throw refuse(path, value, Errno.EINVAL);
        }
        onlinePolicy = value;
      }
      case AUTO_MOVABLE_RATIO -> {
        if (!value.matches("\\d{1,9}")) {
          throw refuse(path, value, Errno.EINVAL); // param_set_uint()
        }
        autoMovableRatio = Integer.parseInt(value);
      }
      case AUTO_MOVABLE_NUMA_AWARE ->
          autoMovableNumaAware =
              parseBool(value).orElseThrow(() -> refuse(path, value, Errno.EINVAL));
      case KernelPaths.DEMOTION -> {
        switch (value) {
          case "1", "true", "y", "Y" -> demotion = true;
          case "0", "false", "n", "N" -> demotion = false;
          default -> throw refuse(path, value, Errno.EINVAL);
        }
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The MCG_CAP MSR ({@code /dev/cpu/N/msr} at 0x179), when the node has one. */
  Optional<byte[]> readMsr(String path, long offset, int length) {
    if (MSR.matcher(path).matches() && offset == 0x179 && length == 8 && mcgCap != null) {
      return Optional.of(
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(mcgCap).array());
    }
    return Optional.empty();
  }

  /** Whether a file is an MSR device the node's {@code mcgCap} answers for. */
  boolean hasMsr(String path) {
    return MSR.matcher(path).matches() && mcgCap != null;
  }

  /** procfs, the boot config, the parameters, the udev rule and the CPUs' msr devices. */
  void render(SysfsTree.Builder r, String meminfo) {
    r.file("/proc/sys/kernel/osrelease", release + "\n");
    r.file(KernelPaths.CMDLINE, cmdline + "\n");
    r.file(KernelPaths.CPUINFO, cpuinfo());
    r.file(KernelPaths.MEMINFO, meminfo);
    r.file(KernelPaths.BLOCK_SIZE, Long.toHexString(blockSize) + "\n");
    r.file(KernelPaths.AUTO_ONLINE, autoOnline + "\n");
    r.file(KernelPaths.HARD_OFFLINE_PAGE, "");
    r.file(KernelPaths.MEMORY + "/soft_offline_page", "");
    r.file(KernelPaths.DEMOTION, demotion + "\n");
    r.file(KernelPaths.ONLINE_POLICY, onlinePolicy + "\n");
    r.file(AUTO_MOVABLE_RATIO, autoMovableRatio + "\n");
    r.file(AUTO_MOVABLE_NUMA_AWARE, (autoMovableNumaAware ? "Y" : "N") + "\n");
    r.file(MEMMAP_ON_MEMORY, memmapOnMemory + "\n");
    if (SAFE_RELEASE.matcher(release).matches()) {
      r.file("/boot/config-" + release, profile.bootConfig());
    }
    if (udevOnline != null) {
      r.file(SimulatedKernel.REDHAT_RULES, redhatRules(udevOnline));
    }
    r.dir("/sys/bus/nd/devices");
    for (int c = 0; c < cpuCount; c++) {
      r.file("/dev/cpu/" + c + "/msr", "");
    }
  }

  private String cpuinfo() {
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < cpuCount; c++) {
      sb.append("processor\t: ").append(c).append('\n');
      sb.append("vendor_id\t: ").append(cpuVendor).append('\n');
      sb.append("cpu family\t: ").append(cpuFamily).append('\n');
      sb.append("model\t\t: ").append(cpuModel).append('\n');
      sb.append("flags\t\t: ").append(String.join(" ", cpuFlags)).append("\n\n");
    }
    return sb.toString();
  }

  /**
   * RHEL 7's {@code /usr/lib/udev/rules.d/40-redhat.rules} memory rule (also quoted for early RHEL
   * 8 by NVIDIA's POWER9 notes), with the state it writes. RHEL 8.x/9 spell the same rule over
   * several lines ({@code ENV{.state}="online"}, {@code online_movable} on bare metal, {@code
   * ATTR{state}=="offline", ATTR{state}="$env{.state}"}).
   */
  static String redhatRules(String state) {
    return "# do not edit this file, it will be overwritten on update\n\n"
        + "# CPU hotadd request\n"
        + "SUBSYSTEM==\"cpu\", ACTION==\"add\", TEST==\"online\", ATTR{online}==\"0\","
        + " ATTR{online}=\"1\"\n\n"
        + "# Memory hotadd request\n"
        + "SUBSYSTEM==\"memory\", ACTION==\"add\", PROGRAM=\"/bin/uname -p\","
        + " RESULT!=\"s390*\", ATTR{state}==\"offline\", ATTR{state}=\""
        + state
        + "\"\n";
  }
}
