package io.daxtier.agent.dra;

import io.daxtier.api.v1alpha1.Api;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names the DRA driver publishes and reads back: the one contract between the ResourceSlices
 * the agent writes and the claims the kubelet asks it to prepare. Device names are DNS labels (at
 * most 63 characters, lowercase alphanumerics and '-'), unique within the node's slice pool.
 *
 * <ul>
 *   <li>SystemRam: one device per (daxtier pool, kmem NUMA node): {@code ram-<pool>-n<node>}; a
 *       pool name that is not a DNS label, or too long, is shortened and suffixed with 8 hex digits
 *       of its SHA-256, so the name stays unique and stable.
 *   <li>DevDax: one device per character device: {@code /dev/dax1.0} is {@code dax1-0}.
 * </ul>
 *
 * <p>The ResourceSlice pool is the node's name; attributes without a domain belong to the driver's.
 */
public final class DraNames {
  /** The DRA driver name: the kubelet plugin's name, every slice's and DeviceClass's driver. */
  public static final String DRIVER = Api.DRA_DRIVER;

  /** The consumable capacity of a SystemRam device, in bytes. */
  public static final String CAPACITY_MEMORY = "memory";

  /** Kubernetes' standard NUMA attribute (KEP-6072). */
  public static final String ATTR_NUMA_NODE = "resource.kubernetes.io/numaNode";

  /** The daxtier pool a device belongs to. */
  public static final String ATTR_POOL = Api.DRA_ATTR_POOL;

  /** pmem, cxl or hmem. */
  public static final String ATTR_MEMORY_TYPE = "memoryType";

  /** The memory tier from the kernel's memory_tiering (absent where the kernel has none). */
  public static final String ATTR_MEMORY_TIER = "memoryTier";

  /** The zone the memory was onlined into (Movable or Normal; SystemRam only). */
  public static final String ATTR_ZONE = "zone";

  /** Whether every DIMM behind the device has its security enabled (encryption at rest). */
  public static final String ATTR_ENCRYPTED = "encrypted";

  /** Whether the node's CPUs recover from machine checks (the gate's finding). */
  public static final String ATTR_MCE_RECOVERY = "mceRecovery";

  /** The nearest NUMA node with CPUs, for a CPU-less memory node. */
  public static final String ATTR_NEAREST_CPU_NODE = "nearestCpuNode";

  /** SystemRam or DevDax. */
  public static final String ATTR_MODE = "mode";

  /** The taint key a device with new poison carries. */
  public static final String TAINT_POISON = DRIVER + "/poison";

  private static final int MAX_LABEL = 63;
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DEV_DAX = Pattern.compile("(?:/dev/)?dax(\\d+)\\.(\\d+)");
  private static final Pattern DEV_DAX_NAME = Pattern.compile("dax(\\d+)-(\\d+)");

  private DraNames() {}

  /** The device name of a pool's memory in one kmem NUMA node. */
  public static String systemRamDevice(String pool, int numaNode) {
    if (numaNode < 0) {
      throw new IllegalArgumentException("NUMA node must not be negative: " + numaNode);
    }
    String suffix = "-n" + numaNode;
    String head = "ram-";
    int room = MAX_LABEL - head.length() - suffix.length();
    String p = pool.toLowerCase(Locale.ROOT);
    if (p.length() <= room && LABEL.matcher(p).matches() && p.equals(pool)) {
      return head + p + suffix;
    }
    String hash = sha256Hex(pool).substring(0, 8);
    String cleaned = p.replaceAll("[^a-z0-9-]", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
    int keep = Math.max(0, room - hash.length() - 1);
    if (cleaned.length() > keep) {
      cleaned = cleaned.substring(0, keep).replaceAll("-$", "");
    }
    return head + (cleaned.isEmpty() ? "" : cleaned + "-") + hash + suffix;
  }

  /** The device name of a DevDax character device ({@code /dev/dax1.0} or {@code dax1.0}). */
  public static String devDaxDevice(String devicePath) {
    Matcher m = DEV_DAX.matcher(devicePath);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a device-dax device: " + devicePath);
    }
    return "dax" + m.group(1) + "-" + m.group(2);
  }

  /** The character device a DevDax device name stands for, if it is one. */
  public static Optional<String> devDaxPath(String deviceName) {
    Matcher m = DEV_DAX_NAME.matcher(deviceName);
    return m.matches() ? Optional.of("/dev/dax" + m.group(1) + "." + m.group(2)) : Optional.empty();
  }

  /** Whether a name is a valid device name (a DNS label of at most 63 characters). */
  public static boolean isDeviceName(String name) {
    return name != null && name.length() <= MAX_LABEL && LABEL.matcher(name).matches();
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
