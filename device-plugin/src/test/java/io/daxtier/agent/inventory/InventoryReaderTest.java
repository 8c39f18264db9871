package io.daxtier.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.daxtier.agent.kernel.HostKernel;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.Malformed;
import io.daxtier.agent.model.MalformedObject;
import io.daxtier.agent.model.MalformedObject.Kind;
import io.daxtier.agent.ndctl.UnavailableNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.reconcile.PassResult;
import io.daxtier.agent.testing.Pools;
import io.daxtier.agent.testing.SysfsFixture;
import io.daxtier.api.v1alpha1.Capability;
import io.daxtier.api.v1alpha1.DevicePhase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inventory of a real kernel's sysfs (QEMU 6.1 NVDIMMs on Linux 6.1, both converted to system
 * RAM: dax0.0 in region0/nmem0 on node 1, dax1.0 in region1/nmem1 on node 2) with one attribute
 * broken per case: the object is reported MalformedSysfs with the path and the value, what depends
 * on it is withheld, the rest of the node is still read, and the read returns promptly.
 */
class InventoryReaderTest {
  static final String FIXTURE = "qemu-6.1-nvdimm/system-ram";
  static final String DAX = "/sys/bus/dax/devices/";
  static final String ND = "/sys/bus/nd/devices/";
  static final String MEMORY = "/sys/devices/system/memory/";
  static final String NODES = "/sys/devices/system/node/";

  @TempDir Path tmp;

  Inventory read(Path root) {
    return assertTimeoutPreemptively(
        Duration.ofSeconds(5), () -> new InventoryReader(new HostKernel(root)).read());
  }

  static void write(Path root, String kernelPath, String value) throws IOException {
    Path p = root.resolve(kernelPath.substring(1));
    Files.createDirectories(p.getParent());
    // through the tree's symlinks, as the kernel path resolves
    Files.writeString(p, value);
  }

  @Test
  void theCapturedKernelReadsWithoutProblems() {
    Inventory inv = read(SysfsFixture.materialize(FIXTURE, tmp));
    assertThat(inv.malformed()).isEmpty();
    assertThat(inv.devices()).extracting(DaxDevice::name).containsExactly("dax0.0", "dax1.0");
    assertThat(inv.regions()).hasSize(2);
    assertThat(inv.dimms()).hasSize(2);
    assertThat(inv.platform().blockSize()).isEqualTo(128L << 20);
    assertThat(inv.blocksOf(inv.device("dax0.0").orElseThrow())).hasSize(7);
    assertThat(inv.numaNodes()).hasSize(3);
  }

  /**
   * attribute, broken value, the object reported (kind, name), the path and value in the report,
   * the object its devices depend through (null: its own), and the devices still present.
   */
  static Stream<Arguments> broken() {
    String dax0 = DAX + "dax0.0/";
    String dax1 = DAX + "dax1.0/";
    return Stream.of(
        row(dax0 + "size", "12abc", Kind.DEVICE, "dax0.0", "12abc", "dax1.0"),
        row(dax0 + "size", "-1", Kind.DEVICE, "dax0.0", "-1", "dax1.0"),
        row(dax0 + "size", "99999999999999999999", Kind.DEVICE, "dax0.0", null, "dax1.0"),
        row(dax0 + "mapping0/start", "0xZZ", Kind.DEVICE, "dax0.0", "0xZZ", "dax1.0"),
        row(dax0 + "mapping0/end", "0x1", Kind.DEVICE, "dax0.0", "0x1", "dax1.0"),
        row(dax0 + "mapping0/end", "0xffffffffffffffff", Kind.DEVICE, "dax0.0", null, "dax1.0"),
        row(dax0 + "target_node", "one", Kind.DEVICE, "dax0.0", "one", "dax1.0"),
        row(dax1 + "numa_node", "2147483647", Kind.DEVICE, "dax1.0", null, "dax0.0"),
        // both devices are kmem devices here: their blocks need the block size
        row(MEMORY + "block_size_bytes", "0", Kind.PLATFORM, "platform", "0"),
        row(MEMORY + "block_size_bytes", "1", Kind.PLATFORM, "platform", "1"),
        row(MEMORY + "block_size_bytes", "8000000x", Kind.PLATFORM, "platform", null),
        row(MEMORY + "block_size_bytes", "c000000", Kind.PLATFORM, "platform", null),
        row(ND + "region0/mappings", "2147483647", Kind.REGION, "region0", null, "dax1.0"),
        row(ND + "region0/size", "1G", Kind.REGION, "region0", "1G", "dax1.0"),
        row(ND + "region1/resource", "0xqq", Kind.REGION, "region1", "0xqq", "dax0.0"),
        row(ND + "region0/resource", "0x100000000000000", Kind.REGION, "region0", null, "dax1.0"),
        // 2^55 sectors: times 512 wraps to 0, the region's first byte
        row(
            ND + "region0/badblocks",
            "36028797018963968 8\n",
            Kind.REGION,
            "region0",
            "36028797018963968 8",
            "dax1.0"),
        // the first sector past the region's 1 GiB
        row(
            ND + "region0/badblocks",
            "0 8\n2097152 1\n",
            Kind.REGION,
            "region0",
            "2097152 1",
            "dax1.0"),
        row(ND + "region0/badblocks", "8 0\n", Kind.REGION, "region0", "8 0", "dax1.0"),
        row(ND + "region1/mapping0", "garbage", Kind.REGION, "region1", "garbage", "dax0.0"),
        row(ND + "nmem0/security", "Locked!", Kind.DIMM, "nmem0", "Locked!", "dax1.0"),
        row(ND + "nmem1/frozen", "yes", Kind.DIMM, "nmem1", "yes", "dax0.0"),
        row(MEMORY + "memory33/phys_index", "xyz", Kind.MEMORY_BLOCK, "memory33", "xyz", "dax1.0"),
        row(NODES + "node1/distance", "20 ten 20", Kind.NUMA_NODE, "node1", "20 ten 20", "dax1.0"),
        row(
            NODES + "node2/meminfo",
            "Node 2 MemTotal: -5 kB\n",
            Kind.NUMA_NODE,
            "node2",
            "Node 2 MemTotal: -5 kB",
            "dax0.0"),
        row(
            "/sys/devices/virtual/memory_tiering/memory_tier4/nodelist",
            "0-2147483647",
            Kind.MEMORY_TIER,
            "memory_tier4",
            "0-2147483647",
            "dax0.0",
            "dax1.0"),
        row(
            "/proc/meminfo",
            "MemTotal: 1 kB\nHardwareCorrupted: lots kB\n",
            Kind.PLATFORM,
            "platform",
            "HardwareCorrupted: lots kB",
            "dax0.0",
            "dax1.0"),
        row(
            "/proc/cpuinfo",
            "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: eighty\n",
            Kind.PLATFORM,
            "platform",
            "model\t\t: eighty",
            "dax0.0",
            "dax1.0"),
        row(
            "/proc/cmdline",
            "root=/dev/vda memhp_default_state=onl\u0000ine\n",
            Kind.PLATFORM,
            "platform",
            "memhp_default_state=onl\u0000ine",
            "dax0.0",
            "dax1.0"));
  }

  static Arguments row(
      String path, String value, Kind kind, String name, String reported, String... present) {
    return Arguments.of(
        path, value, kind, name, reported == null ? value.trim() : reported, List.of(present));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("broken")
  void oneBrokenAttributeIsReportedOnItsObjectAndTheRestIsRead(
      String path, String value, Kind kind, String name, String reported, List<String> present)
      throws IOException {
    Path root = SysfsFixture.materialize(FIXTURE, tmp);
    write(root, path, value);

    Inventory inv = read(root);

    MalformedObject m = inv.malformed(name).orElseThrow(() -> new AssertionError(inv.malformed()));
    assertThat(m.kind()).isEqualTo(kind);
    assertThat(m.reason()).isEqualTo(Malformed.REASON).isEqualTo("MalformedSysfs");
    assertThat(m.via()).isNull();
    // named by the kernel path the reader used
    assertThat(m.cause().path()).isEqualTo(path);
    assertThat(m.cause().value()).isEqualTo(new Malformed("", reported, "").value());
    assertThat(m.message()).contains(m.cause().path()).contains(m.cause().value());
    // the devices that do not depend on it are read as before
    assertThat(inv.devices()).extracting(DaxDevice::name).containsExactlyElementsOf(present);
    // a device that does depend on it is reported too, naming the object and the same cause
    for (String dev : List.of("dax0.0", "dax1.0")) {
      if (!present.contains(dev) && !dev.equals(name)) {
        MalformedObject d = inv.malformed(dev).orElseThrow();
        assertThat(d.kind()).isEqualTo(Kind.DEVICE);
        assertThat(d.via()).isEqualTo(name);
        assertThat(d.cause()).isEqualTo(m.cause());
        assertThat(d.message()).startsWith("depends on " + name + ", malformed at ");
      }
    }
    assertThat(inv.regions().size() + inv.dimms().size()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aMalformedBlockSizeLeavesDevDaxDevicesAndBlocksOnlyKmem() throws IOException {
    Path root = SysfsFixture.materialize("qemu-6.1-nvdimm/devdax", tmp);
    write(root, MEMORY + "block_size_bytes", "1");
    Inventory inv = read(root);
    assertThat(inv.malformed()).extracting(MalformedObject::name).containsExactly("platform");
    assertThat(inv.devices()).extracting(DaxDevice::name).containsExactly("dax0.0", "dax1.0");
    // no block arithmetic with it, and the policy's kmem gate blocks system-ram conversions
    assertThat(inv.platform().blockSize()).isZero();
    assertThat(inv.platform().kmemAvailable()).isFalse();
    assertThat(inv.blocks()).isEmpty();
    assertThat(inv.devices()).allMatch(d -> d.blockCount(inv.platform().blockSize()) == 0);
  }

  /**
   * Whole passes, not just reads: each broken attribute of the table, then a pass over the node.
   */
  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("broken")
  void aPassOverTheBrokenNodeCompletesAndKeepsTheRest(
      String path, String value, Kind kind, String name, String reported, List<String> present)
      throws IOException {
    Path root = SysfsFixture.materialize(FIXTURE, tmp);
    write(root, path, value);
    HostKernel kernel = new HostKernel(root);
    NodeReconciler agent =
        new NodeReconciler(kernel, new UnavailableNdctl("test"), Clock.systemUTC());

    PassResult r =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10), () -> agent.reconcile(List.of(Pools.systemRam("p")), 1L));

    assertThat(r.before().malformed(name)).isPresent();
    // the devices still read keep their memory online, in the pool
    assertThat(r.status().devices)
        .filteredOn(d -> d.phase != DevicePhase.Failed)
        .extracting(d -> d.name)
        .containsExactlyElementsOf(present);
    // the ones held back are in the status as Failed MalformedSysfs, with the path and the value
    for (MalformedObject m : r.before().malformed()) {
      if (m.kind() == Kind.DEVICE) {
        assertThat(r.status().devices)
            .filteredOn(d -> d.name.equals(m.name()))
            .singleElement()
            .satisfies(
                d -> {
                  assertThat(d.phase).isEqualTo(DevicePhase.Failed);
                  assertThat(d.reason).isEqualTo("MalformedSysfs");
                  assertThat(d.message).contains(m.cause().path());
                });
      }
    }
    assertThat(r.status().conditions)
        .filteredOn(c -> c.getType().equals("Degraded"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isEqualTo("MalformedSysfs");
              assertThat(c.getMessage())
                  .contains(r.before().malformed(name).orElseThrow().message());
            });
    assertThat(r.devices())
        .filteredOn(d -> present.contains(d.device()))
        .allMatch(d -> d.phase() == DevicePhase.Online, "Online");
    assertThat(r.plan().isEmpty()).isTrue();
  }

  @Test
  void aMalformedCpuModelMakesRecoveryUnknownNotSupported() throws IOException {
    Path root = SysfsFixture.materialize(FIXTURE, tmp);
    write(root, "/proc/cpuinfo", "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: x\n");
    Inventory inv = read(root);
    assertThat(inv.platform().mcRecovery().capability()).isEqualTo(Capability.Unknown);
    assertThat(inv.platform().mcRecovery().evidence()).anyMatch(e -> e.contains("/proc/cpuinfo"));
  }

  @Test
  void everyBadValueAtOnceStillReadsPromptly() throws IOException {
    Path root = SysfsFixture.materialize(FIXTURE, tmp);
    for (Arguments a : broken().toList()) {
      String path = (String) a.get()[0];
      if (!path.startsWith("/proc/meminfo")) {
        write(root, path, (String) a.get()[1]);
      }
    }
    Inventory inv = read(root);
    assertThat(inv.devices()).isEmpty();
    assertThat(inv.malformed())
        .extracting(MalformedObject::name)
        .contains("dax0.0", "dax1.0", "region0", "region1", "platform", "memory_tier4");
  }
}
