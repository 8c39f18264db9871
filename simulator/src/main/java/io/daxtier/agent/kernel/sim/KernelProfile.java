package io.daxtier.agent.kernel.sim;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the simulated kernel does differently by kernel version, chosen from the node file's {@code
 * kernel:} release (docs/simulated-node.md). The release's {@code major.minor} picks each behaviour
 * by the version that brought it; the build (Kconfig) defaults follow the two Debian kernels the
 * project runs its real-kernel tests on: 6.1 (bookworm, {@code 6.1.0-57-amd64}) and 6.12 (bookworm
 * backports, {@code 6.12.118+deb12-amd64}). A release that does not parse, and any release before
 * 6.1, gets the 6.1 behaviour the simulator has always had.
 *
 * <p>Sources: the kernel sources named at each method, the Debian build configs under {@code
 * /var/cache/daxtier-kernel/<release>/boot/config-<release>}, the kmem modules and vmlinux BTF of
 * both releases, and the 6.12 guest runs under {@code e2e/target/kernel-it/*-6.12/}.
 *
 * @param release the release string as written ({@code /proc/sys/kernel/osrelease})
 * @param major the kernel version's major number (6 for releases that do not parse)
 * @param minor its minor number (1 for releases that do not parse)
 * @param sublevel its third number, 0 when absent
 */
public record KernelProfile(String release, int major, int minor, int sublevel) {

  /** The release a node file without {@code kernel:} gets. */
  public static final String DEFAULT_RELEASE = "6.1.0-sim";

  private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

  /**
   * mm/memory-tiers.c {@code find_create_memory_tier()}: a tier's device id is {@code adistance >>
   * MEMTIER_CHUNK_BITS}. {@code MEMTIER_CHUNK_BITS} is 7 (chunks of 128) in 6.1 and 6.12 alike.
   */
  public static final int MEMTIER_CHUNK_BITS = 7;

  /**
   * include/linux/memory-tiers.h {@code MEMTIER_ADISTANCE_DRAM = 4 * 128 + 128 / 2 = 576}, so DRAM
   * is {@code memory_tier4} (6.1 and 6.12; real 6.1 and 6.12 guests show {@code memory_tier4}).
   */
  public static final int MEMTIER_ADISTANCE_DRAM = (4 << MEMTIER_CHUNK_BITS) + (1 << 6);

  /**
   * kmem's default abstract distance, {@code MEMTIER_ADISTANCE_DRAM * 5 = 2880}: 6.1's
   * drivers/dax/kmem.c {@code MEMTIER_DEFAULT_DAX_ADISTANCE} ({@code alloc_memory_type(0xb40)} in
   * 6.1.0-57's kmem.ko), 6.12's the same constant as the starting value handed to {@code
   * mt_calc_adistance()} (0xb40 in 6.12.118's kmem.ko). {@code 2880 >> 7 = 22}: {@code
   * memory_tier22}, as the real 6.1 and 6.12 guests show for the QEMU NVDIMM nodes.
   */
  public static final int MEMTIER_DEFAULT_DAX_ADISTANCE = MEMTIER_ADISTANCE_DRAM * 5;

  /** The profile of a release; null or blank is {@link #DEFAULT_RELEASE}. */
  public static KernelProfile of(String release) {
    String r = release == null || release.isBlank() ? DEFAULT_RELEASE : release.trim();
    Matcher m = VERSION.matcher(r);
    if (!m.find()) {
      return new KernelProfile(r, 6, 1, 0);
    }
    int major;
    int minor;
    int sub;
    try {
      major = Integer.parseInt(m.group(1));
      minor = Integer.parseInt(m.group(2));
      sub = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
    } catch (NumberFormatException e) {
      return new KernelProfile(r, 6, 1, 0);
    }
    if (major < 6 || (major == 6 && minor < 1)) {
      return new KernelProfile(r, 6, 1, 0); // older kernels are modelled as 6.1
    }
    return new KernelProfile(r, major, minor, sub);
  }

  /** Whether the version is at least {@code major.minor}. */
  public boolean atLeast(int wantMajor, int wantMinor) {
    return major > wantMajor || (major == wantMajor && minor >= wantMinor);
  }

  /** The profile's name in docs and messages: {@code 6.12} from 6.12 on, else {@code 6.1}. */
  public String name() {
    return atLeast(6, 12) ? "6.12" : "6.1";
  }

  // ---- (a) which driver a dax device matches ----

  /**
   * drivers/dax/bus.c {@code dax_bus_match()}. Before 6.3 {@code device_dax} has {@code
   * match_always} and matches every device, kmem only ids written to its {@code new_id}. From 6.3
   * ("dax: Assign RAM regions to memory-hotplug by default", for-6.3/cxl-ram-region) the id list is
   * checked first, then {@code dax_match_type()}: a region flagged {@code IORESOURCE_DAX_KMEM} (CXL
   * RAM regions, drivers/dax/cxl.c; soft-reserved hmem regions unless {@code
   * dax_hmem.region_idle=1}, drivers/dax/hmem/hmem.c) matches kmem, every other region (pmem)
   * matches {@code device_dax}. So from 6.3 kmem binds CXL and hmem devices without {@code new_id},
   * and {@code device_dax} needs {@code new_id} for them. {@code do_id_store()} is unchanged.
   */
  public boolean kmemMatchesByType() {
    return atLeast(6, 3);
  }

  // ---- (b) memory tiers ----

  /** The {@code memory_tierN} id of an abstract distance (both versions). */
  public static int tierOf(int adistance) {
    return adistance >> MEMTIER_CHUNK_BITS;
  }

  /**
   * Whether a node's abstract distance comes from its HMAT/CDAT performance ({@code
   * nodeN/access1/initiators}): 6.7's "acpi, hmat: calculate abstract distance with HMAT"
   * (drivers/acpi/numa/hmat.c {@code hmat_calculate_adistance()}, mm/memory-tiers.c {@code
   * mt_perf_to_adistance()}); kmem asks {@code mt_calc_adistance()} and keeps 2880 when no
   * algorithm answers. In 6.12.118 vmlinux BTF has {@code mt_perf_to_adistance}, {@code
   * hmat_calculate_adistance}, {@code memory_tier_late_init}; 6.1.0-57 has none of them and puts
   * every kmem node at 2880, every boot node at 576, whatever the firmware says.
   */
  public boolean adistanceFromPerformance() {
    return atLeast(6, 7);
  }

  /**
   * mm/memory-tiers.c {@code mt_perf_to_adistance()} (6.7+): {@code MEMTIER_ADISTANCE_DRAM * (rl +
   * wl) / (dram rl + dram wl) * (dram rb + dram wb) / (rb + wb)}, in the kernel's unsigned 32-bit
   * arithmetic, left to right.
   */
  public static int perfToAdistance(Perf node, Perf dram) {
    long v = MEMTIER_ADISTANCE_DRAM;
    v = (v * (node.readLatency() + node.writeLatency())) & 0xffffffffL;
    v = v / (dram.readLatency() + dram.writeLatency());
    v = (v * (dram.readBandwidth() + dram.writeBandwidth())) & 0xffffffffL;
    v = v / (node.readBandwidth() + node.writeBandwidth());
    return (int) v;
  }

  /**
   * Access-class-1 (CPU initiator) performance of a memory node, as HMAT or CXL CDAT gives it and
   * {@code nodeN/access1/initiators/{read,write}_{latency,bandwidth}} shows it: nanoseconds, MB/s.
   */
  public record Perf(long readLatency, long writeLatency, long readBandwidth, long writeBandwidth) {
    /** {@code mt_set_default_dram_perf()} / {@code mt_perf_to_adistance()} reject these. */
    public boolean usable() {
      return readLatency + writeLatency > 0 && readBandwidth + writeBandwidth > 0;
    }

    /**
     * {@code mt_set_default_dram_perf()}: every DRAM node must be within 10% of the reference one
     * in all four values, else the performance-based algorithm is disabled.
     */
    public boolean within10PercentOf(Perf ref) {
      return Math.abs(readLatency - ref.readLatency) * 10 <= ref.readLatency
          && Math.abs(writeLatency - ref.writeLatency) * 10 <= ref.writeLatency
          && Math.abs(readBandwidth - ref.readBandwidth) * 10 <= ref.readBandwidth
          && Math.abs(writeBandwidth - ref.writeBandwidth) * 10 <= ref.writeBandwidth;
    }
  }

  // ---- (c) hwpoison ----

  /**
   * Whether the per-memory_block hwpoison counter exists: 5033091de814 "mm/hwpoison: introduce
   * per-memory_block hwpoison counter", merged for 6.2 (6.12.118's BTF has {@code
   * memblk_nr_poison_inc/sub}, 6.1.0-57's has not; 6.1 stable backports note the commit as
   * missing). With it, drivers/base/memory.c {@code remove_memory_block_devices()} subtracts a
   * block's poisoned pages from {@code HardwareCorrupted} when the block is hot-removed; without it
   * (6.1) the count leaks until reboot, as real-kernel-notes (6) measured.
   */
  public boolean perBlockPoisonCounter() {
    return atLeast(6, 2);
  }

  /**
   * Whether onlining a block with hwpoisoned pages fails with EHWPOISON ({@code
   * memory_block_online()}: {@code if (memblk_nr_poison(mem)) return -EHWPOISON;}, same commit as
   * {@link #perBlockPoisonCounter()}). The real 6.1 has no such check; the simulator keeps refusing
   * on 6.1 too because the agent's tests were written against that (see the report of issue 17).
   * Make this {@code perBlockPoisonCounter()} once those tests run on a 6.12 node.
   */
  public boolean onlineRefusesPoisonedBlock() {
    return true;
  }

  /*
   * hard_offline_page on an already-poisoned page: memory_failure() finds TestSetPageHWPoison set
   * and returns -EHWPOISON in both versions (6.1 logs "already hardware poisoned", 6.12 "recovery
   * action for already poisoned page: Failed"); HardwareCorrupted does not grow again. Kernels from
   * 6.11 (b8b9488d50b7) until the stable fix 3be306cccdcc (6.12-stable queue of 17 Sep 2025, in
   * 6.12.118) counted the page a second time; that window is not modelled. A free buddy page is
   * "Recovered" (the 6.12 poison run shows "recovery action for free buddy page: Recovered" and 4
   * kB). soft_offline_page on a poisoned page returns 0 in both. Not a profile switch: no difference.
   */

  // ---- memory hotplug details ----

  /**
   * Whether dax devices have {@code memmap_on_memory} (drivers/dax/bus.c, "dax/bus: Introduce a
   * memmap_on_memory knob", 6.8; {@code memmap_on_memory_show/store} in 6.12.118's BTF, absent in
   * 6.1.0-57). Reads 0/1; CXL devices start at 1 (drivers/dax/cxl.c {@code .memmap_on_memory =
   * true}), others at 0. Writing 1 without {@code memory_hotplug.memmap_on_memory} is EOPNOTSUPP,
   * changing it while kmem is bound EBUSY. kmem then adds the range with {@code
   * MHP_MEMMAP_ON_MEMORY}: each block's memmap (block size / 64) is taken from the block itself and
   * is not in MemTotal. 6.1's kmem never asks for it.
   */
  public boolean daxMemmapOnMemory() {
    return atLeast(6, 8);
  }

  /**
   * {@code memory_hotplug.memmap_on_memory} as shown: a bool parameter ({@code Y}/{@code N}) in
   * 6.1, from 6.6 a mode that also shows {@code force} (mm/memory_hotplug.c {@code
   * get_memmap_mode()}).
   */
  public boolean memmapOnMemoryForce() {
    return atLeast(6, 6);
  }

  /**
   * The build default of {@code auto_online_blocks}: Debian's 6.1 config has {@code # CONFIG_
   * MEMORY_HOTPLUG_DEFAULT_ONLINE is not set} (offline), Debian's 6.12 {@code CONFIG_MHP_DEFAULT_
   * ONLINE_TYPE_ONLINE_AUTO=y} (online; the 6.14 Kconfig choice, backported by Debian).
   */
  public String buildDefaultOnline() {
    return atLeast(6, 12) ? "online" : "offline";
  }

  /**
   * The memory-hotplug part of {@code /boot/config-<release>}, in the Debian configs' words: from
   * 6.12 the {@code CONFIG_MHP_DEFAULT_ONLINE_TYPE_*} choice (mm/Kconfig since 6.14, in Debian's
   * 6.12.118), before it {@code CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE}.
   */
  public String bootConfig() {
    StringBuilder sb = new StringBuilder();
    sb.append("#\n# Automatically generated file; DO NOT EDIT.\n");
    sb.append("# Linux/x86 ")
        .append(major)
        .append('.')
        .append(minor)
        .append('.')
        .append(sublevel)
        .append(" Kernel Configuration\n#\n");
    sb.append("CONFIG_NUMA=y\n");
    sb.append("CONFIG_ACPI_HMAT=y\n");
    sb.append("CONFIG_SPARSEMEM_VMEMMAP=y\n");
    sb.append("CONFIG_ARCH_ENABLE_MEMORY_HOTPLUG=y\n");
    sb.append("CONFIG_ARCH_ENABLE_MEMORY_HOTREMOVE=y\n");
    sb.append("CONFIG_MEMORY_HOTPLUG=y\n");
    if (atLeast(6, 12)) {
      String d = buildDefaultOnline();
      sb.append(line("CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE", d.equals("offline")));
      sb.append(line("CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO", d.equals("online")));
      sb.append(line("CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_KERNEL", d.equals("online_kernel")));
      sb.append(line("CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_MOVABLE", d.equals("online_movable")));
    } else {
      sb.append(
          line("CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE", !buildDefaultOnline().equals("offline")));
    }
    sb.append("CONFIG_MEMORY_HOTREMOVE=y\n");
    sb.append("CONFIG_MHP_MEMMAP_ON_MEMORY=y\n");
    sb.append("CONFIG_MIGRATION=y\n");
    sb.append("CONFIG_MEMORY_FAILURE=y\n");
    sb.append("CONFIG_HWPOISON_INJECT=m\n");
    sb.append("CONFIG_ZONE_DEVICE=y\n");
    sb.append("CONFIG_CXL_BUS=y\n");
    sb.append("CONFIG_CXL_REGION=y\n");
    sb.append("CONFIG_EFI_SOFT_RESERVE=y\n");
    sb.append("CONFIG_DEV_DAX=m\n");
    sb.append("CONFIG_DEV_DAX_PMEM=m\n");
    sb.append("CONFIG_DEV_DAX_HMEM=m\n");
    if (atLeast(6, 3)) {
      sb.append("CONFIG_DEV_DAX_CXL=m\n"); // drivers/dax/cxl.c, 6.3; not in Debian's 6.1 config
    }
    sb.append("CONFIG_DEV_DAX_HMEM_DEVICES=y\n");
    sb.append("CONFIG_DEV_DAX_KMEM=m\n");
    return sb.toString();
  }

  private static String line(String option, boolean set) {
    return set ? option + "=y\n" : "# " + option + " is not set\n";
  }
}
