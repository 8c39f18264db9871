package io.daxtier.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.Api;
import io.daxtier.operator.plan.PodRef;
import io.daxtier.testkit.mock.PodsByNodeDispatcher;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResultBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A DRA pool's memory is held through ResourceClaims, not an extended resource: the pods a drain
 * lists must name the DRA pools their claims were allocated from (the device's pool attribute on
 * the node's ResourceSlice), or a release would go ahead under them.
 */
class PodEvictorDraTest {
  KubernetesMockServer server;
  KubernetesClient client;
  PodEvictor evictor;

  @BeforeEach
  void start() {
    server = PodsByNodeDispatcher.startServer();
    client = server.createClient();
    evictor =
        new PodEvictor(
            client, new WriteMeter(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    client
        .resource(
            new ResourceSliceBuilder()
                .withNewMetadata()
                .withName("node-a-memory-daxtier-io-0")
                .endMetadata()
                .withNewSpec()
                .withDriver(Api.DRA_DRIVER)
                .withNodeName("node-a")
                .withNewPool()
                .withName("node-a")
                .withGeneration(1L)
                .withResourceSliceCount(1L)
                .endPool()
                .withDevices(
                    new DeviceBuilder()
                        .withName("ram-cxl-tier-n1")
                        .withAttributes(
                            Map.of(
                                Api.DRA_ATTR_POOL,
                                new DeviceAttribute(null, null, "cxl-tier", null)))
                        .build(),
                    new DeviceBuilder()
                        .withName("dax1-0")
                        .withAttributes(
                            Map.of(Api.DRA_ATTR_POOL, new DeviceAttribute(null, null, "dax", null)))
                        .build())
                .endSpec()
                .build())
        .create();
  }

  @AfterEach
  void stop() {
    evictor.close();
    client.close();
    server.destroy();
  }

  private void claim(String name, String device) {
    client
        .resource(
            new ResourceClaimBuilder()
                .withNewMetadata()
                .withNamespace("apps")
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .endSpec()
                .withNewStatus()
                .withNewAllocation()
                .withNewDevices()
                .withResults(
                    new DeviceRequestAllocationResultBuilder()
                        .withRequest("mem")
                        .withDriver(Api.DRA_DRIVER)
                        .withPool("node-a")
                        .withDevice(device)
                        .build())
                .endDevices()
                .endAllocation()
                .endStatus()
                .build())
        .create();
  }

  private void pod(String name, String claim) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace("apps")
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withNodeName("node-a")
            .addNewContainer()
            .withName("app")
            .withImage("app")
            .endContainer()
            .endSpec();
    if (claim != null) {
      b.editSpec()
          .addNewResourceClaim()
          .withName("mem")
          .withResourceClaimName(claim)
          .endResourceClaim()
          .endSpec();
    }
    client.resource(b.build()).create();
  }

  @Test
  void podsWithClaimsHoldTheDraPoolsOfTheirAllocatedDevices() {
    claim("kv-mem", "ram-cxl-tier-n1");
    claim("dax-mem", "dax1-0");
    pod("kv", "kv-mem");
    pod("db", "dax-mem");
    pod("plain", null);

    Map<String, PodRef> pods =
        evictor.podsOn("node-a").stream()
            .collect(java.util.stream.Collectors.toMap(PodRef::name, p -> p));

    assertThat(pods.get("kv").uses(PodRef.draPool("cxl-tier"))).isTrue();
    assertThat(pods.get("kv").uses(PodRef.draPool("dax"))).isFalse();
    assertThat(pods.get("db").resources()).containsExactly(PodRef.draPool("dax"));
    assertThat(pods.get("plain").resources()).isEmpty();
  }

  @Test
  void aClaimOnADeviceWhosePoolIsUnknownHoldsEveryDraPoolOfTheNode() {
    claim("odd", "ram-gone-n3");
    pod("odd", "odd");

    assertThat(evictor.podsOn("node-a"))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.resources())
                    .containsExactlyInAnyOrder(PodRef.draPool("cxl-tier"), PodRef.draPool("dax")));
  }

  @Test
  void aClaimNotYetAllocatedHoldsNothing() {
    client
        .resource(
            new ResourceClaimBuilder()
                .withNewMetadata()
                .withNamespace("apps")
                .withName("pending")
                .endMetadata()
                .withNewSpec()
                .endSpec()
                .build())
        .create();
    pod("waiting", "pending");

    assertThat(evictor.podsOn("node-a"))
        .singleElement()
        .satisfies(p -> assertThat(p.resources()).isEmpty());
  }

  @Test
  void aClaimTheApiServerWillNotReturnHoldsEveryDraPoolOfTheNode() {
    pod("blind", "secret");
    server
        .expect()
        .get()
        .withPath("/apis/resource.k8s.io/v1/namespaces/apps/resourceclaims/secret")
        .andReturn(403, "forbidden")
        .always();

    assertThat(evictor.podsOn("node-a"))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.resources())
                    .containsExactlyInAnyOrder(PodRef.draPool("cxl-tier"), PodRef.draPool("dax")));
  }

  @Test
  void aClaimSharedByTwoPodsIsReadOnce() {
    claim("shared", "ram-cxl-tier-n1");
    pod("a", "shared");
    pod("b", "shared");
    int before = server.getRequestCount();

    assertThat(evictor.podsOn("node-a"))
        .allSatisfy(p -> assertThat(p.resources()).containsExactly(PodRef.draPool("cxl-tier")));
    // one pod list, one slice list, one claim read
    assertThat(server.getRequestCount() - before).isEqualTo(3);
  }
}
