package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves the guest (ndctl and daxctl work, namespaces become devdax, daxctl converts them to
 * system-ram on nodes 1 and 2) and captures the sysfs fixture in both modes. With {@code
 * -Ddaxtier.fixture.update=true} the capture replaces the agent's committed fixture.
 */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.SysfsFixtureIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class SysfsFixtureIT {

  /** The kernel of this class invocation (also handed to the boot method). */
  @Parameter KernelImage kernelParameter;

  static final String SCRIPT =
      """
      step ndctl-raw ndctl list -RNv
      step create0 ndctl create-namespace -f -e namespace0.0 --mode=devdax
      step create1 ndctl create-namespace -f -e namespace1.0 --mode=devdax
      step daxctl-devdax daxctl list
      cat /sys/devices/system/memory/auto_online_blocks >"$OUT/auto-online"
      step snap-devdax snapshot devdax
      # A kernel that onlines hot-added memory itself (6.12's build default) makes daxctl refuse a
      # Movable conversion; the fixture is of the conversion the agent does, blocks offline first.
      echo offline >/sys/devices/system/memory/auto_online_blocks
      step convert daxctl reconfigure-device --mode=system-ram all
      step daxctl-ram daxctl list
      node_memtotal_kb 1 >"$OUT/node1-kb"
      node_memtotal_kb 2 >"$OUT/node2-kb"
      step snap-system-ram snapshot system-ram
      """;

  static final String[] SNAPSHOTS = {"devdax", "system-ram"};

  static GuestRun run;
  static KernelImage kernel;

  @BeforeParameterizedClassInvocation
  static void boot(KernelImage booted) throws IOException, InterruptedException {
    kernel = booted;
    run =
        RealKernel.guest(kernel, GuestTopology.pmemServer(), Duration.ofSeconds(240))
            .run("sysfs-fixture", SCRIPT);
    assertThat(run.exitCode()).as(run.describe()).isZero();
    for (String snap : SNAPSHOTS) {
      if (run.has(snap + ".zip")) {
        SysfsSnapshot.unzip(run.path(snap + ".zip"), run.path(snap));
      }
    }
  }

  @Test
  void ndctlSeesTwoRawRegionsOnTheirNodes() throws IOException {
    JsonNode listed = json("ndctl-raw.out");
    JsonNode regions = listed.has("regions") ? listed.get("regions") : listed;
    assertThat(regions).hasSize(2);
    Map<Long, Integer> nodeBySize = new HashMap<>();
    for (JsonNode region : regions) {
      assertThat(region.path("type").asText()).isEqualTo("pmem");
      assertThat(region.path("namespaces").get(0).path("mode").asText()).isEqualTo("raw");
      nodeBySize.put(region.path("size").asLong() >> 20, region.path("target_node").asInt(-1));
    }
    assertThat(nodeBySize).containsOnly(Map.entry(1024L, 1), Map.entry(1536L, 2));
  }

  @Test
  void namespacesBecomeDevdaxAndDaxctlConvertsThemToSystemRam() throws IOException {
    assertThat(run.file("create0.rc").trim()).as(run.file("create0.err")).isEqualTo("0");
    assertThat(run.file("create1.rc").trim()).as(run.file("create1.err")).isEqualTo("0");
    assertThat(modes(json("daxctl-devdax.out")))
        .containsOnly(Map.entry("dax0.0", "devdax"), Map.entry("dax1.0", "devdax"));
    assertThat(run.file("convert.rc").trim()).as(run.file("convert.err")).isEqualTo("0");
    JsonNode converted = json("daxctl-ram.out");
    assertThat(modes(converted))
        .containsOnly(Map.entry("dax0.0", "system-ram"), Map.entry("dax1.0", "system-ram"));
    Map<String, Integer> nodes = new HashMap<>();
    converted.forEach(d -> nodes.put(d.path("chardev").asText(), d.path("target_node").asInt()));
    assertThat(nodes).containsOnly(Map.entry("dax0.0", 1), Map.entry("dax1.0", 2));
    // kmem aligns each range inward to 128 MiB blocks, so each DIMM gives one block less
    // (real-kernel-notes, finding 2).
    assertThat(Long.parseLong(run.file("node1-kb").trim())).isEqualTo((1024 - 128) * 1024L);
    assertThat(Long.parseLong(run.file("node2-kb").trim())).isEqualTo((1536 - 128) * 1024L);
  }

  @Test
  void fixtureHoldsBothModes() throws IOException {
    for (String snap : SNAPSHOTS) {
      assertThat(run.file("snap-" + snap + ".rc").trim())
          .as(run.file("snap-" + snap + ".err"))
          .isEqualTo("0");
      String manifest = run.file(snap + "/MANIFEST.tsv");
      assertThat(manifest)
          .startsWith(SysfsSnapshot.HEADER)
          .contains("l\t0777\tsys/bus/dax/devices/dax0.0\t")
          .contains("f\t0444\tsys/devices/system/memory/block_size_bytes")
          .contains("f\t0444\tproc/meminfo");
    }
    Path ram = run.path("system-ram/files/sys/devices/system/node/node1/meminfo");
    assertThat(Files.readString(ram)).contains("Node 1 MemTotal:");
    assertThat(run.file("system-ram/MANIFEST.tsv")).contains("sys/devices/virtual/memory_tiering/");
    if (Boolean.getBoolean("daxtier.fixture.update")) {
      Path dest = Path.of(System.getProperty("daxtier.fixtureDir")).resolve(fixtureName(kernel));
      PathTrees.delete(dest);
      for (String snap : SNAPSHOTS) {
        PathTrees.copy(run.path(snap), dest.resolve(snap));
      }
    }
  }

  /**
   * The committed fixture of a kernel series: {@code qemu-6.1-nvdimm}, {@code qemu-6.12-nvdimm}.
   */
  static String fixtureName(KernelImage kernel) {
    return "qemu-" + kernel.name() + "-nvdimm";
  }

  private static Map<String, String> modes(JsonNode devices) {
    Map<String, String> modes = new HashMap<>();
    devices.forEach(d -> modes.put(d.path("chardev").asText(), d.path("mode").asText()));
    return modes;
  }

  private static JsonNode json(String file) throws IOException {
    return new ObjectMapper().readTree(run.file(file));
  }
}
