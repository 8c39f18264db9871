package io.daxtier.agent.model;

import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.MemoryType;
import java.util.Arrays;
import java.util.List;

/**
 * One device-dax instance ({@code /sys/bus/dax/devices/daxX.Y}).
 *
 * @param region region name (regionN), or null when the device has none (hmem)
 * @param ranges the constituent physical ranges (mappingN, or resource+size)
 * @param driver bound driver name, or null when unbound
 */
public record DaxDevice(
    String name,
    String region,
    MemoryType memoryType,
    long size,
    List<AddressRange> ranges,
    int targetNode,
    int numaNode,
    String driver) {

  public DaxDevice {
    ranges = List.copyOf(ranges);
  }

  public DeviceMode mode() {
    if (driver == null) {
      return DeviceMode.UNBOUND;
    }
    return driver.equals("kmem") ? DeviceMode.SYSTEM_RAM : DeviceMode.DEVDAX;
  }

  /** The character device path for DevDax use. */
  public String devPath() {
    return "/dev/" + name;
  }

  /**
   * Whether a memory block belongs to this device: kmem block-aligns every range, start rounded up
   * and end rounded down (kernel-abi.md §2.1, §2.3), so partial blocks are lost.
   */
  public boolean ownsBlock(long index, long blockSize) {
    if (!validBlockSize(blockSize)) {
      return false;
    }
    for (AddressRange r : ranges) {
      long first = Math.floorDiv(r.start() + blockSize - 1, blockSize);
      long last = Math.floorDiv(r.end() + 1, blockSize) - 1;
      if (index >= first && index <= last) {
        return true;
      }
    }
    return false;
  }

  /** How many memory blocks kmem creates for this device. */
  public long blockCount(long blockSize) {
    long n = 0;
    if (!validBlockSize(blockSize)) {
      return 0;
    }
    for (AddressRange r : ranges) {
      long first = Math.floorDiv(r.start() + blockSize - 1, blockSize);
      long last = Math.floorDiv(r.end() + 1, blockSize) - 1;
      n += Math.max(0, last - first + 1);
    }
    return n;
  }

  /**
   * The ids of the memory blocks kmem creates for this device, ascending: each range aligned inward
   * to whole blocks, {@code first = ceil(start / bs)}, {@code last = floor((end + 1) / bs) - 1}
   * (kernel-abi.md §2.3). Computed from the device alone, so it is known before kmem is bound.
   */
  public long[] blocks(long blockSize) {
    if (!validBlockSize(blockSize)) {
      return new long[0];
    }
    long[] out = new long[(int) blockCount(blockSize)];
    int n = 0;
    for (AddressRange r : ranges) {
      long first = Math.floorDiv(r.start() + blockSize - 1, blockSize);
      long last = Math.floorDiv(r.end() + 1, blockSize) - 1;
      for (long i = first; i <= last; i++) {
        out[n++] = i;
      }
    }
    Arrays.sort(out);
    return out;
  }

  /**
   * Whether block arithmetic with this size is meaningful: a power of two the kernel uses ({@link
   * SysfsFormats#blockSize}). 0 (no memory hotplug, or a malformed {@code block_size_bytes}) gives
   * no blocks rather than a division by zero; 1 would give one block per byte.
   */
  public static boolean validBlockSize(long blockSize) {
    return blockSize >= SysfsFormats.MIN_BLOCK_SIZE
        && blockSize <= SysfsFormats.MAX_BLOCK_SIZE
        && Long.bitCount(blockSize) == 1;
  }

  /** Whether a physical range overlaps the device. */
  public boolean overlaps(AddressRange r) {
    return ranges.stream().anyMatch(x -> x.overlaps(r));
  }
}
