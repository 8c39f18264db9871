package io.daxtier.agent.dra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.agent.testing.MutableClock;
import io.daxtier.api.v1alpha1.PoolMode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResultBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading claims from the API as the scheduler allocated them (CRUD mock server). */
@EnableKubernetesMockClient(crud = true)
class KubernetesClaimSourceTest {
  static KubernetesClient client;

  private static final long GIB = 1L << 30;
  private static final String RAM = DraNames.systemRamDevice("tier", 2);

  @TempDir Path tmp;

  @Test
  void anAllocationWrittenAsTheSchedulerWritesItIsPreparedIntoACdiSpec() throws Exception {
    // The API server assigns the uid, as it would for the claim the kubelet names.
    String uid =
        client.resource(claim("c1", true, "3Gi", "node-a")).create().getMetadata().getUid();
    KubernetesClaimSource source = new KubernetesClaimSource(client);
    ClaimRef ref = new ClaimRef("ns", "c1", uid);

    assertThat(source.allocation(ref))
        .containsExactly(
            new AllocatedDevice("mem", DraNames.DRIVER, "node-a", RAM, 3 * GIB, null),
            new AllocatedDevice("gpu", "gpu.example.com", "node-a", "gpu0", null, null));

    try (DraKubeletPlugin plugin =
        new DraKubeletPlugin(
            new DraPluginConfig(
                tmp.resolve("kubelet"), tmp.resolve("state"), tmp.resolve("cdi"), "node-a"),
            source,
            () ->
                List.of(
                    new DraDevice(
                        RAM,
                        "tier",
                        PoolMode.SystemRam,
                        "daxtier.io/pmem",
                        GIB,
                        2,
                        0,
                        8 * GIB,
                        null,
                        true,
                        Map.of())),
            MutableClock.at("2026-12-05T18:00:00Z"))) {
      ClaimResult r = plugin.prepare(List.of(ref)).get(uid);
      assertThat(r.error()).isNull();
      assertThat(r.devices()).extracting(PreparedDevice::device).containsExactly(RAM);
      assertThat(Files.readString(tmp.resolve("cdi/memory.daxtier.io_" + uid + ".json")))
          .contains("\"DAXTIER_BYTES=" + 3 * GIB + "\"")
          .contains("\"DAXTIER_NUMA_NODES=2\"");
    }
  }

  @Test
  void aRecreatedClaimAnUnallocatedOneAndAMissingOneAreUnavailable() {
    client.resource(claim("c2", true, "1Gi", "node-a")).create();
    String unallocated =
        client.resource(claim("c3", false, null, "node-a")).create().getMetadata().getUid();
    KubernetesClaimSource source = new KubernetesClaimSource(client);

    assertThatThrownBy(() -> source.allocation(new ClaimRef("ns", "c2", "uid-old")))
        .isInstanceOf(ClaimSource.Unavailable.class)
        .hasMessageContaining("deleted and recreated");
    assertThatThrownBy(() -> source.allocation(new ClaimRef("ns", "c3", unallocated)))
        .isInstanceOf(ClaimSource.Unavailable.class)
        .hasMessageContaining("not allocated");
    assertThatThrownBy(() -> source.allocation(new ClaimRef("ns", "gone", "uid-x")))
        .isInstanceOf(ClaimSource.Unavailable.class)
        .hasMessageContaining("not found");
  }

  private static ResourceClaim claim(String name, boolean allocated, String memory, String node) {
    ResourceClaimBuilder b =
        new ResourceClaimBuilder()
            .withNewMetadata()
            .withNamespace("ns")
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .endSpec();
    if (!allocated) {
      return b.build();
    }
    return b.withNewStatus()
        .withNewAllocation()
        .withNewDevices()
        .withResults(
            new DeviceRequestAllocationResultBuilder()
                .withRequest("mem")
                .withDriver(DraNames.DRIVER)
                .withPool(node)
                .withDevice(RAM)
                .withConsumedCapacity(Map.of(DraNames.CAPACITY_MEMORY, new Quantity(memory)))
                .build(),
            new DeviceRequestAllocationResultBuilder()
                .withRequest("gpu")
                .withDriver("gpu.example.com")
                .withPool(node)
                .withDevice("gpu0")
                .build())
        .endDevices()
        .endAllocation()
        .endStatus()
        .build();
  }
}
