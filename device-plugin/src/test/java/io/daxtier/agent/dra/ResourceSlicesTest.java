package io.daxtier.agent.dra;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.PoolMode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.resource.v1.Device;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ResourceSlicesTest {
  static final long MIB = 1024 * 1024;
  static final long GIB = 1024 * MIB;

  static DraDevice ram(String pool, int node, long bytes, boolean healthy) {
    return new DraDevice(
        DraNames.systemRamDevice(pool, node),
        pool,
        PoolMode.SystemRam,
        "x.io/" + pool,
        128 * MIB,
        node,
        0,
        bytes,
        null,
        healthy,
        Map.of(
            DraNames.ATTR_NUMA_NODE,
            (long) node,
            DraNames.ATTR_MEMORY_TYPE,
            "cxl",
            DraNames.ATTR_ENCRYPTED,
            false));
  }

  static DraDevice dax(int region, long bytes) {
    return dax(region, bytes, true);
  }

  static DraDevice dax(int region, long bytes, boolean healthy) {
    String path = "/dev/dax" + region + ".0";
    return new DraDevice(
        DraNames.devDaxDevice(path),
        "raw",
        PoolMode.DevDax,
        "x.io/raw",
        GIB,
        2,
        0,
        bytes,
        path,
        healthy,
        Map.of(DraNames.ATTR_NUMA_NODE, 2L));
  }

  static List<ResourceSlice> build(List<DraDevice> devices) {
    return ResourceSlices.build("node-a", null, devices, 3, ResourceSlices.TaintEffect.NoSchedule);
  }

  @Test
  void aSystemRamDeviceIsSharedCapacityRequestedInUnits() {
    List<ResourceSlice> slices = build(List.of(ram("tier", 1, 896 * MIB, true)));

    assertThat(slices).hasSize(1);
    ResourceSlice s = slices.get(0);
    assertThat(s.getMetadata().getName()).isEqualTo("node-a-memory-daxtier-io-0");
    assertThat(s.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "daxtier-agent")
        .containsEntry("memory.daxtier.io/node", "node-a");
    assertThat(s.getMetadata().getOwnerReferences()).isEmpty();
    assertThat(s.getSpec().getDriver()).isEqualTo("memory.daxtier.io");
    assertThat(s.getSpec().getNodeName()).isEqualTo("node-a");
    assertThat(s.getSpec().getPool().getName()).isEqualTo("node-a");
    assertThat(s.getSpec().getPool().getGeneration()).isEqualTo(3);
    assertThat(s.getSpec().getPool().getResourceSliceCount()).isEqualTo(1);

    Device d = s.getSpec().getDevices().get(0);
    assertThat(d.getName()).isEqualTo("ram-tier-n1");
    assertThat(d.getAllowMultipleAllocations()).isTrue();
    assertThat(d.getTaints()).isEmpty();
    var memory = d.getCapacity().get("memory");
    assertThat(memory.getValue()).isEqualTo(new Quantity("896Mi"));
    assertThat(memory.getRequestPolicy().getDefault()).isEqualTo(new Quantity("128Mi"));
    assertThat(memory.getRequestPolicy().getValidRange().getMin()).isEqualTo(new Quantity("128Mi"));
    assertThat(memory.getRequestPolicy().getValidRange().getStep())
        .isEqualTo(new Quantity("128Mi"));
    assertThat(memory.getRequestPolicy().getValidRange().getMax()).isNull();
    assertThat(d.getAttributes())
        .containsEntry("resource.kubernetes.io/numaNode", new DeviceAttribute(null, 1L, null, null))
        .containsEntry("memoryType", new DeviceAttribute(null, null, "cxl", null))
        .containsEntry("encrypted", new DeviceAttribute(false, null, null, null));
  }

  @Test
  void aDevDaxDeviceIsAllocatedWholeItsSizeForInformation() {
    Device d = build(List.of(dax(1, 4 * GIB))).get(0).getSpec().getDevices().get(0);

    assertThat(d.getName()).isEqualTo("dax1-0");
    assertThat(d.getAllowMultipleAllocations()).isNull();
    assertThat(d.getCapacity().get("memory").getValue()).isEqualTo(new Quantity("4Gi"));
    assertThat(d.getCapacity().get("memory").getRequestPolicy()).isNull();
  }

  @Test
  void atMost128DevicesPerSliceInNameOrderWhateverTheInputOrder() {
    List<DraDevice> devices =
        new ArrayList<>(IntStream.range(0, 300).mapToObj(i -> dax(i, GIB)).toList());
    List<ResourceSlice> sorted = build(devices);
    Collections.shuffle(devices, new Random(7));
    List<ResourceSlice> shuffled = build(devices);

    assertThat(shuffled).isEqualTo(sorted);
    assertThat(sorted)
        .extracting(s -> s.getSpec().getDevices().size())
        .containsExactly(128, 128, 44);
    assertThat(sorted)
        .extracting(s -> s.getMetadata().getName())
        .containsExactly(
            "node-a-memory-daxtier-io-0",
            "node-a-memory-daxtier-io-1",
            "node-a-memory-daxtier-io-2");
    assertThat(sorted)
        .allSatisfy(
            s -> {
              assertThat(s.getSpec().getPool().getResourceSliceCount()).isEqualTo(3);
              assertThat(s.getSpec().getPool().getGeneration()).isEqualTo(3);
            });
    List<String> names =
        sorted.stream()
            .flatMap(s -> s.getSpec().getDevices().stream())
            .map(Device::getName)
            .toList();
    assertThat(names).isSorted().doesNotHaveDuplicates().hasSize(300);
  }

  @Test
  void aSliceWithATaintedDeviceHoldsAtMost64() {
    // Names sort as strings: dax0-0, dax1-0, dax10-0, dax100-0, ... the poisoned dax150-0 is 57th.
    List<DraDevice> devices = IntStream.range(0, 300).mapToObj(i -> dax(i, GIB, i != 150)).toList();
    List<ResourceSlice> slices = build(devices);

    assertThat(slices)
        .allSatisfy(s -> assertThat(s.getSpec().getDevices()).hasSizeLessThanOrEqualTo(128));
    ResourceSlice withTaint =
        slices.stream()
            .filter(s -> s.getSpec().getDevices().stream().anyMatch(d -> !d.getTaints().isEmpty()))
            .findFirst()
            .orElseThrow();
    assertThat(withTaint.getSpec().getDevices()).hasSizeLessThanOrEqualTo(64);
    assertThat(slices.stream().mapToInt(s -> s.getSpec().getDevices().size()).sum()).isEqualTo(300);
    assertThat(slices)
        .allSatisfy(
            s ->
                assertThat(s.getSpec().getPool().getResourceSliceCount()).isEqualTo(slices.size()));
  }

  @Test
  void poisonTaintsTheDeviceNoScheduleOrOnlyInforms() {
    List<DraDevice> devices = List.of(ram("tier", 1, 512 * MIB, false), ram("tier", 2, GIB, true));
    List<Device> out = build(devices).get(0).getSpec().getDevices();

    assertThat(out.get(0).getTaints())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getKey()).isEqualTo("memory.daxtier.io/poison");
              assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });
    assertThat(out.get(1).getTaints()).isEmpty();

    Device informed = ResourceSlices.device(devices.get(0), ResourceSlices.TaintEffect.None);
    assertThat(informed.getTaints())
        .singleElement()
        .satisfies(t -> assertThat(t.getEffect()).isEqualTo("None"));
    // Healthy again: the taint is gone.
    assertThat(
            ResourceSlices.device(ram("tier", 1, GIB, true), ResourceSlices.TaintEffect.NoSchedule)
                .getTaints())
        .isEmpty();
  }

  @Test
  void noDevicesNoSlices() {
    assertThat(build(List.of())).isEmpty();
  }

  @Test
  void theNodeOwnsItsSlicesWhenItsUidIsKnown() {
    ResourceSlice s =
        ResourceSlices.build(
                "node-a",
                "uid-1",
                List.of(ram("tier", 1, GIB, true)),
                1,
                ResourceSlices.TaintEffect.NoSchedule)
            .get(0);
    assertThat(s.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("Node");
              assertThat(o.getApiVersion()).isEqualTo("v1");
              assertThat(o.getName()).isEqualTo("node-a");
              assertThat(o.getUid()).isEqualTo("uid-1");
              assertThat(o.getController()).isTrue();
            });
  }

  @Test
  void theContentHashIgnoresTheGenerationOnly() {
    List<DraDevice> devices = List.of(ram("tier", 1, GIB, true));
    var g1 = ResourceSlices.build("n", null, devices, 1, ResourceSlices.TaintEffect.NoSchedule);
    var g2 = ResourceSlices.build("n", null, devices, 2, ResourceSlices.TaintEffect.NoSchedule);
    var smaller =
        ResourceSlices.build(
            "n",
            null,
            List.of(ram("tier", 1, 512 * MIB, true)),
            1,
            ResourceSlices.TaintEffect.NoSchedule);

    String h1 = g1.get(0).getMetadata().getAnnotations().get(ResourceSlices.ANNOTATION_CONTENT);
    assertThat(g2.get(0).getMetadata().getAnnotations())
        .containsEntry(ResourceSlices.ANNOTATION_CONTENT, h1);
    assertThat(smaller.get(0).getMetadata().getAnnotations().get(ResourceSlices.ANNOTATION_CONTENT))
        .isNotEqualTo(h1);
  }

  @Test
  void longNodeNamesStayValidNamesAndLabels() {
    String node = "n".repeat(250);
    assertThat(ResourceSlices.sliceName(node, 12))
        .hasSizeLessThanOrEqualTo(253)
        .endsWith("-memory-daxtier-io-12");
    assertThat(ResourceSlices.sliceName(node, 12))
        .isNotEqualTo(ResourceSlices.sliceName(node + "x", 12));
    assertThat(ResourceSlices.nodeLabel(node)).hasSizeLessThanOrEqualTo(63).startsWith("h-");
  }

  @Test
  void quantitiesAreCanonical() {
    assertThat(ResourceSlices.bytes(GIB).toString()).isEqualTo("1Gi");
    assertThat(ResourceSlices.bytes(896 * MIB).toString()).isEqualTo("896Mi");
    assertThat(ResourceSlices.bytes(GIB - 4096).toString()).isEqualTo("1048572Ki");
    assertThat(ResourceSlices.bytes(1000).toString()).isEqualTo("1000");
    assertThat(ResourceSlices.bytes(0).toString()).isEqualTo("0");
  }
}
