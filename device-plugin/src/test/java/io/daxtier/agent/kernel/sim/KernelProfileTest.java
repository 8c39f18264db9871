package io.daxtier.agent.kernel.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.inventory.HotplugProbe;
import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.HostKernel;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.AutoOnline;
import io.daxtier.agent.testing.Nodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each kernel-version difference of the simulated kernel, seen the way the agent sees it: through
 * the {@link Kernel} interface, on Debian's 6.1 and 6.12 releases (KernelProfile).
 */
class KernelProfileTest {
  static final String K61 = "6.1.0-57-amd64";
  static final String K612 = "6.12.118+deb12-amd64";

  /** dax0.0's whole blocks on QEMU (real-kernel-notes (2)). */
  static final long[] PMEM_BLOCKS = LongStream.rangeClosed(33, 39).toArray();

  @TempDir Path tmp;

  /**
   * The QEMU NVDIMM machine (pmem dax0.0 on CPU-less node 1) plus a CXL RAM region (dax1.0,
   * unbound, node 2) and a soft-reserved hmem range (dax2.0, unbound, node 3).
   */
  static SimulatedKernel node(String kernel, String cmdline, String extra) {
    return Nodes.yaml(
        """
        kernel: %s
        blockSize: 128Mi
        cmdline: console=ttyS0 %s
        %s
        numaNodes:
          - {id: 0, cpus: 0-1, memTotal: 2Gi, memFree: 1536Mi}
          - {id: 1, cpus: ""}
          - {id: 2, cpus: ""}
          - {id: 3, cpus: ""}
        regions:
          - {name: region0, type: pmem, start: "0x100000000", size: 1Gi, targetNode: 1}
          - {name: region1, type: cxl, start: "0x200000000", size: 1Gi, targetNode: 2}
          - {name: region2, type: hmem, start: "0x300000000", size: 1Gi, targetNode: 3}
        daxDevices:
          - {name: dax0.0, region: region0, start: "0x101200000", size: "1054867456"}
          - {name: dax1.0, region: region1, start: "0x200000000", size: 1Gi, mode: unbound}
          - {name: dax2.0, region: region2, start: "0x300000000", size: 1Gi, mode: unbound}
        """
            .formatted(kernel, cmdline, extra));
  }

  static SimulatedKernel node(String kernel) {
    return node(kernel, "", "");
  }

  static Optional<String> driver(Kernel k, String dev) {
    return k.readlink(KernelPaths.dax(dev) + "/driver");
  }

  /** The errno a write is refused with, null when accepted. */
  static Errno errno(Runnable write) {
    try {
      write.run();
      return null;
    } catch (KernelException e) {
      return e.errno();
    }
  }

  static String state(Kernel k, long block) {
    return k.readTrimmed(KernelPaths.block(block) + "/state").orElse("absent");
  }

  static String zones(Kernel k, long block) {
    return k.readTrimmed(KernelPaths.block(block) + "/valid_zones").orElse("absent");
  }

  static long kb(Kernel k, String path, String field) {
    Matcher m = Pattern.compile(field + ":\\s+(\\d+) kB").matcher(k.read(path).orElseThrow());
    assertThat(m.find()).as("%s in %s", field, path).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** What daxctl and the agent write: unbind device_dax, kmem/new_id (binds). */
  static void toKmem(Kernel k, String dev) {
    k.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "unbind"), dev);
    k.write(KernelPaths.driver(KernelPaths.KMEM, "new_id"), dev);
  }

  static void setAll(Kernel k, long[] blocks, String state) {
    for (long b : blocks) {
      k.write(KernelPaths.block(b) + "/state", state);
    }
  }

  // ---- choosing the profile ----

  @Test
  void theKernelReleasePicksTheProfileByItsVersion() {
    assertThat(KernelProfile.of(K61).name()).isEqualTo("6.1");
    assertThat(KernelProfile.of(K612).name()).isEqualTo("6.12");
    KernelProfile p = KernelProfile.of(K612);
    assertThat(List.of(p.major(), p.minor(), p.sublevel())).containsExactly(6, 12, 118);
    assertThat(KernelProfile.of(null).release()).isEqualTo("6.1.0-sim");
    assertThat(KernelProfile.of("not-a-version").name()).isEqualTo("6.1");
    assertThat(KernelProfile.of("5.15.0-91-generic").kmemMatchesByType()).isFalse();
    // features go by the version that brought them, not by the two names
    assertThat(KernelProfile.of("6.2.0").kmemMatchesByType()).isFalse();
    assertThat(KernelProfile.of("6.3.0").kmemMatchesByType()).isTrue();
    assertThat(KernelProfile.of("6.8.0-cxl").daxMemmapOnMemory()).isTrue();
    assertThat(KernelProfile.of("6.7.0").daxMemmapOnMemory()).isFalse();
    assertThat(Nodes.qemu().profile().name()).isEqualTo("6.1");
    assertThat(Nodes.load(Nodes.example("qemu-nvdimm-6.12")).profile().release()).isEqualTo(K612);
  }

  // ---- (a) kmem / device_dax matching (drivers/dax/bus.c) ----

  @Test
  void before63KmemBindsOnlyIdsItWasGivenAndDeviceDaxBindsEverything() {
    SimulatedKernel k = node(K61);

    assertThat(errno(() -> k.write(KernelPaths.driver(KernelPaths.KMEM, "bind"), "dax1.0")))
        .isEqualTo(Errno.ENODEV);
    assertThat(errno(() -> k.write(KernelPaths.driver(KernelPaths.KMEM, "bind"), "dax2.0")))
        .isEqualTo(Errno.ENODEV);
    k.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "bind"), "dax1.0");
    assertThat(driver(k, "dax1.0")).hasValue("/sys/bus/dax/drivers/device_dax");
  }

  @Test
  void from63CxlAndHmemDevicesMatchKmemByTypeAndDeviceDaxNeedsNewId() {
    SimulatedKernel k = node(K612, "memhp_default_state=offline", "");

    k.write(KernelPaths.driver(KernelPaths.KMEM, "bind"), "dax1.0"); // no new_id needed
    assertThat(driver(k, "dax1.0")).hasValue("/sys/bus/dax/drivers/kmem");
    assertThat(k.list(KernelPaths.node(2))).contains("memory64", "memory71");

    assertThat(errno(() -> k.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "bind"), "dax2.0")))
        .isEqualTo(Errno.ENODEV);
    k.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "new_id"), "dax2.0"); // attaches
    assertThat(driver(k, "dax2.0")).hasValue("/sys/bus/dax/drivers/device_dax");

    // pmem regions are not IORESOURCE_DAX_KMEM: unchanged from 6.1
    k.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "unbind"), "dax0.0");
    assertThat(errno(() -> k.write(KernelPaths.driver(KernelPaths.KMEM, "bind"), "dax0.0")))
        .isEqualTo(Errno.ENODEV);
    k.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "bind"), "dax0.0");
    assertThat(driver(k, "dax0.0")).hasValue("/sys/bus/dax/drivers/device_dax");
  }

  @ParameterizedTest
  @ValueSource(strings = {K61, K612})
  void loadingKmemAttachesItToTheDevicesItMatchesByType(String release) {
    SimulatedKernel k =
        node(release, "memhp_default_state=offline", "kmem: false\nkmemLoadable: true");

    assertThat(k.loadModule(KernelPaths.KMEM)).isTrue();

    boolean byType = release.equals(K612);
    assertThat(driver(k, "dax1.0").isPresent()).isEqualTo(byType);
    assertThat(driver(k, "dax2.0").isPresent()).isEqualTo(byType);
    assertThat(driver(k, "dax0.0")).hasValue("/sys/bus/dax/drivers/device_dax");
  }

  // ---- (b) memory tiers (mm/memory-tiers.c) ----

  @ParameterizedTest
  @ValueSource(strings = {K61, K612})
  void dramIsTier4AndKmemTier22WithoutFirmwarePerformanceData(String release) {
    SimulatedKernel k = node(release, "memhp_default_state=offline", "");
    assertThat(k.list(KernelPaths.MEMORY_TIERS)).containsExactly("memory_tier4");

    toKmem(k, "dax0.0");
    setAll(k, PMEM_BLOCKS, "online_movable");

    // as the real 6.1 guest (real-kernel-notes (7)) and the 6.12 guest runs show
    assertThat(k.list(KernelPaths.MEMORY_TIERS)).containsExactly("memory_tier22", "memory_tier4");
    assertThat(k.readTrimmed(KernelPaths.MEMORY_TIERS + "/memory_tier22/nodelist")).hasValue("1");
    assertThat(k.readTrimmed(KernelPaths.MEMORY_TIERS + "/memory_tier4/nodelist")).hasValue("0");
  }

  /** HMAT says node 1 has twice DRAM's latency and half its bandwidth. */
  static SimulatedKernel withHmat(String release) {
    return Nodes.yaml(
        """
        kernel: %s
        cmdline: memhp_default_state=offline
        numaNodes:
          - id: 0
            cpus: 0-1
            memTotal: 2Gi
            access1:
              readLatency: 100
              writeLatency: 100
              readBandwidth: 10000
              writeBandwidth: 10000
          - id: 1
            cpus: ""
            access1:
              readLatency: 200
              writeLatency: 200
              readBandwidth: 5000
              writeBandwidth: 5000
        regions:
          - {name: region0, type: pmem, start: "0x100000000", size: 1Gi, targetNode: 1}
        daxDevices:
          - {name: dax0.0, region: region0, start: "0x101200000", size: "1054867456"}
        """
            .formatted(release));
  }

  @ParameterizedTest
  @ValueSource(strings = {K61, K612})
  void from67TheTierOfAKmemNodeComesFromItsHmatPerformance(String release) {
    SimulatedKernel k = withHmat(release);
    toKmem(k, "dax0.0");
    setAll(k, PMEM_BLOCKS, "online_movable");

    assertThat(k.readTrimmed(KernelPaths.node(1) + "/access1/initiators/read_latency"))
        .hasValue("200");
    // 576 * 400 / 200 * 20000 / 10000 = 2304 -> tier 18; 6.1 ignores HMAT: 2880 -> tier 22
    String tier = release.equals(K612) ? "memory_tier18" : "memory_tier22";
    assertThat(k.list(KernelPaths.MEMORY_TIERS)).containsExactly(tier, "memory_tier4");
    assertThat(k.readTrimmed(KernelPaths.MEMORY_TIERS + "/" + tier + "/nodelist")).hasValue("1");
  }

  @Test
  void abstractDistanceArithmeticIsTheKernels() {
    KernelProfile.Perf dram = new KernelProfile.Perf(100, 100, 10000, 10000);
    assertThat(KernelProfile.perfToAdistance(dram, dram)).isEqualTo(576);
    assertThat(KernelProfile.tierOf(576)).isEqualTo(4);
    assertThat(KernelProfile.tierOf(KernelProfile.MEMTIER_DEFAULT_DAX_ADISTANCE)).isEqualTo(22);
    assertThat(KernelProfile.MEMTIER_DEFAULT_DAX_ADISTANCE).isEqualTo(0xb40); // both kmem.ko
    assertThat(new KernelProfile.Perf(111, 100, 10000, 10000).within10PercentOf(dram)).isFalse();
    assertThat(new KernelProfile.Perf(110, 100, 10000, 10000).within10PercentOf(dram)).isTrue();
  }

  // ---- (c) hwpoison (mm/memory-failure.c, drivers/base/memory.c) ----

  @ParameterizedTest
  @ValueSource(strings = {K61, K612})
  void aSecondHardOfflineOfThePageIsEhwpoisonAndCountsOnce(String release) {
    SimulatedKernel k = node(release, "memhp_default_state=offline", "");
    toKmem(k, "dax0.0");
    setAll(k, PMEM_BLOCKS, "online_movable");

    k.write(KernelPaths.HARD_OFFLINE_PAGE, "0x108200000"); // a free buddy page: Recovered
    assertThat(errno(() -> k.write(KernelPaths.HARD_OFFLINE_PAGE, "0x108200000")))
        .isEqualTo(Errno.EHWPOISON);
    assertThat(kb(k, KernelPaths.MEMINFO, "HardwareCorrupted")).isEqualTo(4);
    // soft_offline_page of a poisoned page returns 0 and changes nothing
    k.write(KernelPaths.MEMORY + "/soft_offline_page", "0x108200000");
    assertThat(kb(k, KernelPaths.MEMINFO, "HardwareCorrupted")).isEqualTo(4);
    // a page of an offline block is "memory outside kernel control"
    k.write(KernelPaths.block(39) + "/state", "offline");
    assertThat(errno(() -> k.write(KernelPaths.HARD_OFFLINE_PAGE, "0x138000000")))
        .isEqualTo(Errno.ENXIO);
  }

  @ParameterizedTest
  @ValueSource(strings = {K61, K612})
  void hotRemovingAPoisonedBlockLeaksTheCountOn61AndSubtractsItFrom62(String release) {
    SimulatedKernel k = node(release, "memhp_default_state=offline", "");
    toKmem(k, "dax0.0");
    setAll(k, PMEM_BLOCKS, "online_movable");
    k.write(KernelPaths.HARD_OFFLINE_PAGE, "0x108200000");

    setAll(k, PMEM_BLOCKS, "offline");
    k.write(KernelPaths.driver(KernelPaths.KMEM, "unbind"), "dax0.0");

    assertThat(k.exists(KernelPaths.block(33))).isFalse();
    long expected = release.equals(K61) ? 4 : 0;
    assertThat(kb(k, KernelPaths.MEMINFO, "HardwareCorrupted")).isEqualTo(expected);

    // added again, the range has fresh struct pages: onlining works, the page can be hit again
    k.write(KernelPaths.driver(KernelPaths.KMEM, "bind"), "dax0.0");
    setAll(k, PMEM_BLOCKS, "online_movable");
    k.write(KernelPaths.HARD_OFFLINE_PAGE, "0x108200000");
    assertThat(kb(k, KernelPaths.MEMINFO, "HardwareCorrupted")).isEqualTo(expected + 4);
  }

  // ---- auto-onlining: build default, command line, node file ----

  @Test
  void autoOnlineBlocksFollowsTheBuildDefaultOfEachRelease() {
    assertThat(node(K61).readTrimmed(KernelPaths.AUTO_ONLINE)).hasValue("offline");
    assertThat(node(K612).readTrimmed(KernelPaths.AUTO_ONLINE)).hasValue("online");
    assertThat(Nodes.qemu().readTrimmed(KernelPaths.AUTO_ONLINE)).hasValue("offline");
    assertThat(Nodes.load(Nodes.example("qemu-nvdimm-6.12")).readTrimmed(KernelPaths.AUTO_ONLINE))
        .hasValue("online");
  }

  @Test
  void theCommandLineWinsOverTheBuildDefaultAndTheNodeFileOverBoth() {
    assertThat(node(K612, "memhp_default_state=offline", "").readTrimmed(KernelPaths.AUTO_ONLINE))
        .hasValue("offline");
    assertThat(
            node(K61, "memhp_default_state=online_movable", "")
                .readTrimmed(KernelPaths.AUTO_ONLINE))
        .hasValue("online_movable");
    // the last valid one counts; an unknown value leaves the build default
    assertThat(
            node(K61, "memhp_default_state=online memhp_default_state=online_kernel", "")
                .readTrimmed(KernelPaths.AUTO_ONLINE))
        .hasValue("online_kernel");
    assertThat(node(K612, "memhp_default_state=bogus", "").readTrimmed(KernelPaths.AUTO_ONLINE))
        .hasValue("online");
    assertThat(
            node(K612, "memhp_default_state=offline", "autoOnlineBlocks: online_movable")
                .readTrimmed(KernelPaths.AUTO_ONLINE))
        .hasValue("online_movable");
  }

  @Test
  void autoOnlineBlocksTakesExactlyTheFourOnlineTypes() {
    SimulatedKernel k = node(K612);
    for (String v : List.of("offline", "online_kernel", "online_movable", "online")) {
      k.write(KernelPaths.AUTO_ONLINE, v);
      assertThat(k.readTrimmed(KernelPaths.AUTO_ONLINE)).hasValue(v);
    }
    assertThat(errno(() -> k.write(KernelPaths.AUTO_ONLINE, "movable"))).isEqualTo(Errno.EINVAL);
    assertThat(k.readTrimmed(KernelPaths.AUTO_ONLINE)).hasValue("online");
  }

  @ParameterizedTest
  @ValueSource(strings = {"online", "online_kernel", "online_movable"})
  void kmemsBlocksComeOnlineByThemselvesInTheZoneThePolicyGives(String policy) {
    SimulatedKernel k = node(K612, "memhp_default_state=" + policy, "");

    toKmem(k, "dax0.0");

    String zone = policy.equals("online_movable") ? "Movable" : "Normal";
    for (long b : PMEM_BLOCKS) {
      assertThat(state(k, b)).isEqualTo("online");
      assertThat(zones(k, b)).isEqualTo(zone);
    }
    assertThat(kb(k, KernelPaths.node(1) + "/meminfo", "Node 1 MemTotal")).isEqualTo(917504);
    // the agent's only writes; the kernel's own onlining is not one of them
    assertThat(k.acceptedWrites()).hasSize(2);
    assertThat(errno(() -> k.write(KernelPaths.block(33) + "/state", "online_movable")))
        .isEqualTo(Errno.EINVAL);
  }

  @Test
  void offlineAutoOnlineLeavesTheBlocksToTheAgentOn61() {
    SimulatedKernel k = node(K61);
    toKmem(k, "dax0.0");
    for (long b : PMEM_BLOCKS) {
      assertThat(state(k, b)).isEqualTo("offline");
      assertThat(zones(k, b)).isEqualTo("Normal Movable");
    }
  }

  @Test
  void onlinePolicyAndAutoMovableRatioAreReadableParameters() {
    SimulatedKernel k = node(K612);
    String params = "/sys/module/memory_hotplug/parameters/";
    assertThat(k.readTrimmed(KernelPaths.ONLINE_POLICY)).hasValue("contig-zones");
    assertThat(k.readTrimmed(params + "auto_movable_ratio")).hasValue("301");
    assertThat(k.readTrimmed(params + "auto_movable_numa_aware")).hasValue("Y");
    assertThat(k.readTrimmed(params + "memmap_on_memory")).hasValue("N");

    k.write(KernelPaths.ONLINE_POLICY, "auto-movable");
    assertThat(k.readTrimmed(KernelPaths.ONLINE_POLICY)).hasValue("auto-movable");
    assertThat(errno(() -> k.write(KernelPaths.ONLINE_POLICY, "movable"))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> k.write(params + "memmap_on_memory", "Y"))).isEqualTo(Errno.EACCES);

    assertThat(node(K61, "", "onlinePolicy: auto-movable").readTrimmed(KernelPaths.ONLINE_POLICY))
        .hasValue("auto-movable");
    assertThat(
            node(K61, "memory_hotplug.online_policy=auto-movable", "")
                .readTrimmed(KernelPaths.ONLINE_POLICY))
        .hasValue("auto-movable");
  }

  @Test
  void autoMovableOnACpuLessNodeOnlinesNormalUnlessOnlyTheSystemRatioCounts() {
    // auto_movable_numa_aware (default Y): node 1 has no boot-time kernel memory -> Normal
    SimulatedKernel aware = node(K612, "", "onlinePolicy: auto-movable");
    toKmem(aware, "dax0.0");
    assertThat(zones(aware, 33)).isEqualTo("Normal");

    // system-wide only: 7 x 128 MiB is within 301% of node 0's 2 GiB -> Movable
    SimulatedKernel global =
        node(K612, "memory_hotplug.auto_movable_numa_aware=N", "onlinePolicy: auto-movable");
    toKmem(global, "dax0.0");
    for (long b : PMEM_BLOCKS) {
      assertThat(zones(global, b)).isEqualTo("Movable");
    }

    SimulatedKernel noRatio =
        node(
            K612,
            "memory_hotplug.auto_movable_numa_aware=N memory_hotplug.auto_movable_ratio=0",
            "onlinePolicy: auto-movable");
    toKmem(noRatio, "dax0.0");
    assertThat(zones(noRatio, 33)).isEqualTo("Normal");
  }

  @ParameterizedTest
  @ValueSource(strings = {K61, K612})
  void plainOnlineKeepsZonesContiguousAndValidZonesNamesThatZoneFirst(String release) {
    SimulatedKernel k = node(release, "memhp_default_state=offline", "");
    toKmem(k, "dax0.0");
    setAll(k, PMEM_BLOCKS, "online_movable");
    k.write(KernelPaths.block(36) + "/state", "offline");

    // memory36 lies inside ZONE_MOVABLE's span now: default_zone_for_pfn() keeps it there
    assertThat(zones(k, 36)).isEqualTo("Movable Normal");
    k.write(KernelPaths.block(36) + "/online", "1");
    assertThat(zones(k, 36)).isEqualTo("Movable");
    k.write(KernelPaths.block(36) + "/online", "1"); // device_online() of an online block: 0
    assertThat(errno(() -> k.write(KernelPaths.block(36) + "/online", "maybe")))
        .isEqualTo(Errno.EINVAL);
  }

  // ---- what the agent reads to explain the onlining ----

  @Test
  void bootConfigCarriesTheBuildDefaultUnderEachReleasesOptionName() {
    String c612 = node(K612).read("/boot/config-" + K612).orElseThrow();
    assertThat(c612)
        .contains(
            "CONFIG_MEMORY_HOTPLUG=y\n",
            "# CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE is not set\n",
            "CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO=y\n",
            "# CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_KERNEL is not set\n",
            "# CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_MOVABLE is not set\n")
        .doesNotContain("CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE");

    String c61 = node(K61).read("/boot/config-" + K61).orElseThrow();
    assertThat(c61)
        .contains(
            "CONFIG_MEMORY_HOTPLUG=y\n", "# CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE is not set\n")
        .doesNotContain("MHP_DEFAULT_ONLINE_TYPE");
    // the build default stays what it was when the command line changes the boot value
    assertThat(node(K612, "memhp_default_state=offline", "").read("/boot/config-" + K612))
        .hasValue(c612);
  }

  /** Every option line the simulator writes is in Debian's real config of that release. */
  @ParameterizedTest
  @ValueSource(strings = {K61, K612})
  void bootConfigLinesAreTheRealDebianOnes(String release) throws Exception {
    Path real = Path.of("/var/cache/daxtier-kernel", release, "boot", "config-" + release);
    Assumptions.assumeTrue(Files.isReadable(real), "no cached Debian kernel " + release);
    List<String> realLines = Files.readAllLines(real);
    String sim = node(release).read("/boot/config-" + release).orElseThrow();
    for (String line : sim.split("\n")) {
      if (line.startsWith("CONFIG_") || line.matches("# CONFIG_\\w+ is not set")) {
        assertThat(realLines).as(release).contains(line);
      }
    }
  }

  @Test
  void theAgentsProbeReadsBuildDefaultCommandLineAndPolicy() {
    AutoOnline a612 = new HotplugProbe(node(K612)).probe(K612, false, false);
    assertThat(a612.policy()).isEqualTo("online");
    assertThat(a612.buildDefault()).isEqualTo("online");
    assertThat(a612.cmdline()).isNull();
    assertThat(a612.onlinePolicy()).isEqualTo("contig-zones");

    AutoOnline a61 =
        new HotplugProbe(node(K61, "", "onlinePolicy: auto-movable")).probe(K61, false, false);
    assertThat(a61.policy()).isEqualTo("offline");
    assertThat(a61.buildDefault()).isEqualTo("offline");
    assertThat(a61.onlinePolicy()).isEqualTo("auto-movable");

    AutoOnline booted =
        new HotplugProbe(node(K612, "memhp_default_state=offline", "")).probe(K612, false, false);
    assertThat(booted.policy()).isEqualTo("offline");
    assertThat(booted.cmdline()).isEqualTo("offline");
  }

  // ---- a udev rule that onlines memory (RHEL) ----

  @Test
  void aUdevRuleOnlinesEveryBlockKmemAddsAlthoughAutoOnlineIsOffline() {
    SimulatedKernel k = node(K61, "", "udevOnline: online");
    assertThat(k.read(SimulatedKernel.REDHAT_RULES).orElseThrow())
        .contains(
            "SUBSYSTEM==\"memory\", ACTION==\"add\", PROGRAM=\"/bin/uname -p\","
                + " RESULT!=\"s390*\", ATTR{state}==\"offline\", ATTR{state}=\"online\"\n");
    assertThat(k.readTrimmed(KernelPaths.AUTO_ONLINE)).hasValue("offline");

    toKmem(k, "dax0.0");

    for (long b : PMEM_BLOCKS) {
      assertThat(state(k, b)).isEqualTo("online");
      assertThat(zones(k, b)).isEqualTo("Normal");
    }
    assertThat(k.acceptedWrites()).hasSize(2); // udev's writes are not the agent's
    assertThat(new HotplugProbe(k).probe(K61, false, false).udevRules())
        .containsExactly(SimulatedKernel.REDHAT_RULES);
  }

  @Test
  void theRuleOnlyTouchesBlocksTheKernelLeftOffline() {
    SimulatedKernel k =
        node(K612, "memhp_default_state=online_movable", "udevOnline: online_kernel");
    toKmem(k, "dax0.0");
    assertThat(zones(k, 33)).isEqualTo("Movable"); // ATTR{state}=="offline" no longer matched

    SimulatedKernel none = node(K61);
    assertThat(none.exists(SimulatedKernel.REDHAT_RULES)).isFalse();
    none.setUdevOnline("online_movable");
    toKmem(none, "dax0.0");
    assertThat(zones(none, 33)).isEqualTo("Movable");
  }

  // ---- dax memmap_on_memory (6.8+) ----

  @Test
  void memmapOnMemoryIsA68KnobThatNeedsTheHotplugParameter() {
    SimulatedKernel k61 = node(K61);
    assertThat(k61.exists(KernelPaths.dax("dax0.0") + "/memmap_on_memory")).isFalse();
    assertThat(errno(() -> k61.write(KernelPaths.dax("dax0.0") + "/memmap_on_memory", "1")))
        .isEqualTo(Errno.ENOENT);

    SimulatedKernel k = node(K612, "memhp_default_state=offline", "");
    String knob = KernelPaths.dax("dax0.0") + "/memmap_on_memory";
    assertThat(k.readTrimmed(knob)).hasValue("0");
    assertThat(k.readTrimmed(KernelPaths.dax("dax1.0") + "/memmap_on_memory")).hasValue("1");
    assertThat(errno(() -> k.write(knob, "1"))).isEqualTo(Errno.EOPNOTSUPP);
    k.write(knob, "0");
  }

  @Test
  void withMemmapOnMemoryEachBlocksMemmapIsTakenFromTheBlock() {
    SimulatedKernel k =
        node(K612, "memhp_default_state=offline memory_hotplug.memmap_on_memory=1", "");
    String knob = KernelPaths.dax("dax0.0") + "/memmap_on_memory";
    assertThat(k.readTrimmed("/sys/module/memory_hotplug/parameters/memmap_on_memory"))
        .hasValue("Y");
    k.write(knob, "1");

    toKmem(k, "dax0.0");
    setAll(k, PMEM_BLOCKS, "online_movable");

    // 2 MiB of each 128 MiB block holds its struct pages: 7 x 126 MiB
    assertThat(kb(k, KernelPaths.node(1) + "/meminfo", "Node 1 MemTotal")).isEqualTo(903168);
    assertThat(errno(() -> k.write(knob, "0"))).isEqualTo(Errno.EBUSY);
  }

  // ---- the host code path reads the same tree ----

  @Test
  void theNew612FilesReadTheSameThroughTheHostKernel() throws Exception {
    SimulatedKernel sim = Nodes.load(Nodes.example("qemu-nvdimm-6.12"));
    sim.setUdevOnline("online");
    sim.materialize(tmp);
    HostKernel host = new HostKernel(tmp);

    for (String path :
        List.of(
            "/boot/config-" + K612,
            KernelPaths.ONLINE_POLICY,
            KernelPaths.AUTO_ONLINE,
            SimulatedKernel.REDHAT_RULES,
            KernelPaths.dax("dax0.0") + "/memmap_on_memory")) {
      assertThat(host.read(path)).as(path).isEqualTo(sim.read(path)).isPresent();
    }
    assertThat(new HotplugProbe(host).probe(K612, false, false))
        .isEqualTo(new HotplugProbe(sim).probe(K612, false, false));
  }
}
