package io.daxtier.agent.dra;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.daxtier.kubelet.UdsTransport;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResultBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DRA driver as the agent runs it ({@link DraDriver}: slice publisher and kubelet plugin fed by
 * the same passes), end to end: a pass over a simulated node publishes the device, the test writes
 * an allocation of it as the scheduler would, the kubelet (a fake speaking the real protocol over
 * Unix sockets) prepares the claim and gets a CDI spec with the device plugin's environment; new
 * poison taints the device and refuses further claims; a release withdraws the device.
 */
@EnableKubernetesMockClient(crud = true)
class DraDriverTest {
  static KubernetesClient client;

  @TempDir Path tmp;

  final MutableClock clock = MutableClock.at("2026-12-05T18:00:00Z");
  final SimulatedKernel kernel = Nodes.qemu();
  final NodeReconciler reconciler = new NodeReconciler(kernel, new SimulatedNdctl(kernel), clock);
  UdsTransport transport;
  DraDriver driver;
  FakeDraKubelet kubelet;

  @BeforeEach
  void start() throws Exception {
    transport = new UdsTransport("test-dra-io");
    DraPluginConfig config =
        new DraPluginConfig(
            tmp.resolve("kubelet"), tmp.resolve("state"), tmp.resolve("cdi"), "node-a");
    ClaimSource claims = new KubernetesClaimSource(client);
    driver =
        new DraDriver(
            new SlicePublisher(client, "node-a", ResourceSlices.TaintEffect.NoSchedule),
            devices -> new DraKubeletPlugin(config, claims, devices, clock, transport));
    driver.start();
    kubelet = new FakeDraKubelet(tmp.resolve("kubelet"));
    kubelet.register();
  }

  @AfterEach
  void stop() {
    kubelet.close();
    driver.close();
    transport.close();
    client.dynamicResourceAllocation().v1().resourcesSlices().delete();
    client.dynamicResourceAllocation().v1().resourceClaims().inAnyNamespace().delete();
  }

  static NodePool draPool() {
    return Pools.with(
        Pools.systemRam("tier"),
        Pools.poison(PoisonAction.MarkUnhealthy).andThen(s -> s.resource.api = ResourceApi.DRA));
  }

  void pass(NodePool... pools) {
    driver.accept(reconciler.reconcile(List.of(pools), 1L).nodeState());
  }

  static List<ResourceSlice> slices() {
    return client.dynamicResourceAllocation().v1().resourcesSlices().list().getItems();
  }

  /** A claim allocated by the scheduler: one result on this node's pool, with its capacity. */
  static ClaimRef allocate(String name, String device, String memory) {
    ResourceClaim claim =
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
                    .withDriver(DraNames.DRIVER)
                    .withPool("node-a")
                    .withDevice(device)
                    .withConsumedCapacity(Map.of(DraNames.CAPACITY_MEMORY, new Quantity(memory)))
                    .build())
            .endDevices()
            .endAllocation()
            .endStatus()
            .build();
    String uid = client.resource(claim).create().getMetadata().getUid();
    return new ClaimRef("apps", name, uid);
  }

  @Test
  void aPublishedDeviceAllocatedByTheSchedulerIsPreparedIntoTheDevicePluginsEnvironment()
      throws Exception {
    pass(draPool());
    assertThat(slices()).singleElement();
    String device = slices().get(0).getSpec().getDevices().get(0).getName();
    assertThat(device).isEqualTo("ram-tier-n1");

    ClaimRef claim = allocate("kv", device, "256Mi");
    FakeDraKubelet.Prepared prepared = kubelet.prepare(claim).get(claim.uid());

    assertThat(prepared.failed()).as(prepared.error()).isFalse();
    assertThat(prepared.devices())
        .singleElement()
        .satisfies(d -> assertThat(d.device()).isEqualTo(device))
        .satisfies(d -> assertThat(d.cdiIds()).singleElement());
    String spec = Files.readString(tmp.resolve("cdi/memory.daxtier.io_" + claim.uid() + ".json"));
    assertThat(spec)
        .contains("\"DAXTIER_NUMA_NODES=1\"")
        .contains("\"MEMKIND_DAX_KMEM_NODES=1\"")
        .contains("\"DAXTIER_BYTES=" + (256L << 20) + "\"");

    assertThat(kubelet.unprepare(claim).get(claim.uid())).isEmpty();
    assertThat(tmp.resolve("cdi/memory.daxtier.io_" + claim.uid() + ".json")).doesNotExist();
  }

  @Test
  void newPoisonTaintsTheDeviceAndTheKubeletRefusesNewClaimsOnIt() {
    pass(draPool());
    kernel.addBadBlock("region0", 0x80000, 8); // inside an onlined block of dax0.0
    pass(draPool());

    assertThat(slices().get(0).getSpec().getDevices().get(0).getTaints())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo(DraNames.TAINT_POISON));
    ClaimRef claim = allocate("late", "ram-tier-n1", "128Mi");
    FakeDraKubelet.Prepared prepared = kubelet.prepare(claim).get(claim.uid());
    assertThat(prepared.failed()).isTrue();
    assertThat(tmp.resolve("cdi/memory.daxtier.io_" + claim.uid() + ".json")).doesNotExist();
  }

  @Test
  void aReleasedPoolsDeviceIsWithdrawnAndNoLongerPrepared() {
    pass(draPool());
    pass(Pools.releasing(draPool(), ReleaseAction.Keep));

    assertThat(slices()).isEmpty();
    assertThat(driver.devices()).isEmpty();
    ClaimRef claim = allocate("stale", "ram-tier-n1", "128Mi");
    assertThat(kubelet.prepare(claim).get(claim.uid()).failed()).isTrue();
  }

  @Test
  void devicePluginPoolsPublishNothing() {
    pass(Pools.systemRam("plain"));
    assertThat(slices()).isEmpty();
    assertThat(driver.devices()).isEmpty();
  }

  @Test
  void aKubeletPluginThatCannotServePublishesNothingAndTriesAgainEveryPass() throws Exception {
    pass(draPool());
    assertThat(slices()).hasSize(1);
    Path blocked = Files.writeString(tmp.resolve("not-a-directory"), "");
    DraPluginConfig config =
        new DraPluginConfig(blocked, tmp.resolve("state2"), tmp.resolve("cdi2"), "node-a");
    try (DraDriver broken =
        new DraDriver(
            new SlicePublisher(client, "node-a", ResourceSlices.TaintEffect.NoSchedule),
            devices ->
                new DraKubeletPlugin(
                    config, new KubernetesClaimSource(client), devices, clock, transport))) {
      broken.start();
      assertThat(broken.problem()).isPresent();

      broken.accept(reconciler.reconcile(List.of(draPool()), 1L).nodeState());

      // the scheduler must not allocate what no kubelet plugin can prepare
      assertThat(slices()).isEmpty();
      assertThat(broken.devices()).isEmpty();
      assertThat(broken.problem()).isPresent();
    }
  }

  @Test
  void aPluginThatCouldNotRegisterServesOnceItCanAndPublishesAgain() throws Exception {
    Path root = tmp.resolve("late-kubelet");
    Files.createDirectories(root);
    Path registry = Files.writeString(root.resolve("plugins_registry"), ""); // a file: no socket
    DraPluginConfig config =
        new DraPluginConfig(root, tmp.resolve("state3"), tmp.resolve("cdi3"), "node-a");
    try (DraDriver late =
        new DraDriver(
            new SlicePublisher(client, "node-a", ResourceSlices.TaintEffect.NoSchedule),
            devices ->
                new DraKubeletPlugin(
                    config, new KubernetesClaimSource(client), devices, clock, transport))) {
      late.start();
      assertThat(late.problem()).isPresent();
      late.accept(reconciler.reconcile(List.of(draPool()), 1L).nodeState());
      assertThat(slices()).isEmpty();

      Files.delete(registry); // the directory can be made now
      late.accept(reconciler.reconcile(List.of(draPool()), 1L).nodeState());

      assertThat(late.problem()).isEmpty();
      assertThat(config.registrationSocket()).exists();
      assertThat(config.draSocket()).exists();
      assertThat(slices()).singleElement();
      assertThat(late.devices()).extracting(DraDevice::name).containsExactly("ram-tier-n1");
    }
  }
}
