package io.daxtier.agent.kernel.sim;

import static io.daxtier.agent.kernel.sim.SimModel.refuse;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.sim.SimModel.Block;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Hardware poison in hot-added memory: pages offlined through {@code hard_offline_page} and {@code
 * soft_offline_page}, their {@code KPF_HWPOISON} bit in {@code /proc/kpageflags}, and the {@code
 * HardwareCorrupted} counters. Not thread-safe: see {@link SimulatedKernel}.
 */
final class Poison {
  private final SimModel model;
  private final Platform platform;
  final Set<Long> pages = new TreeSet<>();
  private long leakedPages;

  Poison(SimModel model, Platform platform) {
    this.model = model;
    this.platform = platform;
  }

  /**
   * {@code hard_offline_page} ({@code memory_failure()}) and {@code soft_offline_page} ({@code
   * soft_offline_page()}) on a hex address, the same in 6.1 and 6.12: a page of an online block is
   * poisoned and counted once; hard on a poisoned page is EHWPOISON, soft on one succeeds without
   * effect ("page already poisoned"); a page of an offline block is ENXIO for hard ("memory outside
   * kernel control") and EIO for soft; no memory there at all is ENXIO.
   */
  void offline(String path, String value, boolean hard) {
    long addr;
    try {
      addr = SimSizes.parseHex(value);
    } catch (NumberFormatException e) {
      throw refuse(path, value, Errno.EINVAL);
    }
    long page = addr & ~(SimSizes.PAGE - 1);
    Block b = model.blocks.get(page / platform.blockSize);
    if (b == null) {
      throw refuse(path, value, Errno.ENXIO);
    }
    if (!b.online) {
      throw refuse(path, value, hard ? Errno.ENXIO : Errno.EIO);
    }
    if (!pages.add(page) && hard) {
      throw refuse(path, value, Errno.EHWPOISON);
    }
  }

  /** Poisoned pages in a block. */
  long pagesIn(Block b) {
    long lo = b.index * platform.blockSize;
    long hi = lo + platform.blockSize;
    return pages.stream().filter(p -> p >= lo && p < hi).count();
  }

  /** A block is hot-removed: its pages go with its memmap; the number of poisoned ones. */
  long remove(Block b) {
    long poisoned = pagesIn(b);
    long lo = b.index * platform.blockSize;
    pages.removeIf(p -> p >= lo && p < lo + platform.blockSize);
    return poisoned;
  }

  /** Pages the system-wide counter keeps after their memory was removed (6.1). */
  void leak(long n) {
    leakedPages += n;
  }

  /** One page's flags from {@code /proc/kpageflags}: KPF_HWPOISON is bit 19. */
  Optional<byte[]> kpageflags(long offset, int length) {
    if (offset % 8 != 0 || length != 8) {
      return Optional.empty();
    }
    long flags = pages.contains(offset / 8 * SimSizes.PAGE) ? 1L << 19 : 0;
    return Optional.of(
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(flags).array());
  }

  /**
   * Hardware-corrupted bytes, system-wide ({@code node == null}) or in one node. A page whose block
   * was hot-removed belongs to no node any more; on 6.1 it still counts system-wide, the counter
   * leaks until reboot (real-kernel-notes (6)); from 6.2 the removal subtracts it ({@link
   * KernelProfile#perBlockPoisonCounter()}).
   */
  long bytes(Integer node) {
    long n =
        pages.stream()
            .filter(
                p -> {
                  if (node == null) {
                    return true;
                  }
                  Block b = model.blocks.get(p / platform.blockSize);
                  return b != null && b.node == node;
                })
            .count();
    return (n + (node == null ? leakedPages : 0)) * SimSizes.PAGE;
  }
}
