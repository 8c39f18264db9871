package io.daxtier.agent.dra;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.cluster.ApiProxy;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.plugin.allocation.AdvertisedResource;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.run.CapacityAdvertiser;
import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.state.NumaCapacity;
import io.daxtier.agent.state.PoolCapacity;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.Capability;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.daxtier.api.v1alpha1.TopologyMode;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.resource.v1.Device;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The slice publisher against the Fabric8 mock API server, fed by passes over a simulated node. */
@EnableKubernetesMockClient(crud = true)
class SlicePublisherTest {
  static final long MIB = 1024 * 1024;
  static KubernetesClient client;

  final MutableClock clock = MutableClock.at("2026-12-01T00:00:00Z");
  final SimulatedKernel kernel = Nodes.qemu();
  final NodeReconciler reconciler = new NodeReconciler(kernel, new SimulatedNdctl(kernel), clock);

  @AfterEach
  void tearDown() {
    client.dynamicResourceAllocation().v1().resourcesSlices().delete();
    client.nodes().delete();
  }

  static NodePool draPool() {
    return Pools.with(
        Pools.systemRam("tier"),
        Pools.poison(PoisonAction.MarkUnhealthy).andThen(s -> s.resource.api = ResourceApi.DRA));
  }

  NodeState pass(NodePool... pools) {
    return reconciler.reconcile(List.of(pools), 1L).nodeState();
  }

  SlicePublisher publisher() {
    return new SlicePublisher(client, "node-a", ResourceSlices.TaintEffect.NoSchedule);
  }

  static List<ResourceSlice> stored() {
    return client.dynamicResourceAllocation().v1().resourcesSlices().list().getItems().stream()
        .sorted(Comparator.comparing(s -> s.getMetadata().getName()))
        .toList();
  }

  static Device only(List<ResourceSlice> slices) {
    assertThat(slices).hasSize(1);
    assertThat(slices.get(0).getSpec().getDevices()).hasSize(1);
    return slices.get(0).getSpec().getDevices().get(0);
  }

  @Test
  void afterAPassTheNodesSliceDescribesItsKmemMemory() {
    SlicePublisher p = publisher();
    p.accept(pass(draPool()));

    List<ResourceSlice> slices = stored();
    Device d = only(slices);
    ResourceSlice s = slices.get(0);
    assertThat(s.getMetadata().getName()).isEqualTo("node-a-memory-daxtier-io-0");
    assertThat(s.getSpec().getNodeName()).isEqualTo("node-a");
    assertThat(s.getSpec().getDriver()).isEqualTo(DraNames.DRIVER);
    assertThat(s.getSpec().getPool().getName()).isEqualTo("node-a");
    assertThat(s.getSpec().getPool().getGeneration()).isEqualTo(1);
    assertThat(s.getSpec().getPool().getResourceSliceCount()).isEqualTo(1);
    assertThat(d.getName()).isEqualTo("ram-tier-n1");
    assertThat(d.getAllowMultipleAllocations()).isTrue();
    assertThat(d.getCapacity().get("memory").getValue()).isEqualTo(new Quantity("896Mi"));
    assertThat(d.getCapacity().get("memory").getRequestPolicy().getDefault())
        .isEqualTo(new Quantity("128Mi"));
    assertThat(d.getAttributes())
        .containsEntry(DraNames.ATTR_NUMA_NODE, new DeviceAttribute(null, 1L, null, null))
        .containsEntry(DraNames.ATTR_MEMORY_TYPE, new DeviceAttribute(null, null, "pmem", null))
        .containsEntry(DraNames.ATTR_ZONE, new DeviceAttribute(null, null, "Movable", null))
        .containsEntry(DraNames.ATTR_NEAREST_CPU_NODE, new DeviceAttribute(null, 0L, null, null))
        .containsEntry(DraNames.ATTR_POOL, new DeviceAttribute(null, null, "tier", null))
        .containsKeys(DraNames.ATTR_ENCRYPTED, DraNames.ATTR_MCE_RECOVERY);
    assertThat(d.getTaints()).isEmpty();
    assertThat(p.writes()).isEqualTo(1);
  }

  @Test
  void nothingChangedNothingWritten() {
    SlicePublisher p = publisher();
    p.accept(pass(draPool()));
    String rv = stored().get(0).getMetadata().getResourceVersion();
    clock.advance(java.time.Duration.ofMinutes(5));
    p.accept(pass(draPool()));
    p.accept(pass(draPool()));

    assertThat(p.writes()).isEqualTo(1);
    assertThat(stored().get(0).getMetadata().getResourceVersion()).isEqualTo(rv);
  }

  @Test
  void newPoisonTaintsTheDeviceAndBumpsTheGeneration() {
    SlicePublisher p = publisher();
    p.accept(pass(draPool()));
    kernel.addBadBlock("region0", 0x80000, 8); // inside an onlined block of dax0.0
    p.accept(pass(draPool()));

    ResourceSlice s = stored().get(0);
    Device d = only(stored());
    assertThat(s.getSpec().getPool().getGeneration()).isEqualTo(2);
    assertThat(d.getTaints())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getKey()).isEqualTo(DraNames.TAINT_POISON);
              assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });
    assertThat(d.getCapacity().get("memory").getValue().getNumericalAmount().longValueExact())
        .isEqualTo(896 * MIB - 4096);
  }

  @Test
  void releasingTheLastDraPoolRemovesTheSlices() {
    SlicePublisher p = publisher();
    p.accept(pass(draPool()));
    assertThat(stored()).hasSize(1);

    p.accept(pass(Pools.releasing(draPool(), ReleaseAction.Keep)));
    assertThat(stored()).isEmpty();
    p.accept(pass());
    assertThat(stored()).isEmpty();
    assertThat(p.writes()).isEqualTo(2);
  }

  @Test
  void aPoolSwitchedToTheDevicePluginLeavesDraAndIsAdvertised() {
    SlicePublisher p = publisher();
    List<List<AdvertisedResource>> advertised = new ArrayList<>();
    CapacityAdvertiser plugin = new CapacityAdvertiser(advertised::add);
    NodeState dra = pass(draPool());
    p.accept(dra);
    plugin.accept(dra);
    assertThat(stored()).hasSize(1);
    assertThat(advertised).last().asList().isEmpty(); // the device plugin has nothing to offer

    NodeState devicePlugin =
        pass(Pools.with(draPool(), s -> s.resource.api = ResourceApi.DevicePlugin));
    p.accept(devicePlugin);
    plugin.accept(devicePlugin);
    assertThat(stored()).isEmpty();
    assertThat(advertised)
        .last()
        .satisfies(
            r ->
                assertThat(r)
                    .extracting(AdvertisedResource::pool, AdvertisedResource::resourceName)
                    .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("tier", "daxtier.io/pmem")));
  }

  @Test
  void aRestartedAgentAdoptsItsSlicesInsteadOfRewritingThem() {
    NodeState state = pass(draPool());
    publisher().accept(state);
    String rv = stored().get(0).getMetadata().getResourceVersion();

    SlicePublisher restarted = publisher();
    restarted.accept(state);
    assertThat(restarted.writes()).isZero();
    assertThat(restarted.published()).hasSize(1);
    assertThat(stored()).hasSize(1);
    assertThat(stored().get(0).getMetadata().getResourceVersion()).isEqualTo(rv);

    // A restart into a changed node updates the same slice with the next generation.
    kernel.addBadBlock("region0", 0x80000, 8);
    SlicePublisher again = publisher();
    again.accept(pass(draPool()));
    assertThat(again.writes()).isEqualTo(1);
    assertThat(stored())
        .singleElement()
        .satisfies(s -> assertThat(s.getSpec().getPool().getGeneration()).isEqualTo(2));
  }

  @Test
  void slicesOfOtherNodesAndDriversAreLeftAlone() {
    SlicePublisher other =
        new SlicePublisher(client, "node-b", ResourceSlices.TaintEffect.NoSchedule);
    other.accept(pass(draPool()));
    ResourceSlice foreign = new ResourceSlice();
    foreign.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("gpu-node-a")
            .addToLabels(ResourceSlices.selector("node-a"))
            .build());
    foreign.setSpec(new io.fabric8.kubernetes.api.model.resource.v1.ResourceSliceSpec());
    foreign.getSpec().setDriver("gpu.example.com");
    foreign.getSpec().setNodeName("node-a");
    foreign
        .getSpec()
        .setPool(new io.fabric8.kubernetes.api.model.resource.v1.ResourcePool(4L, "node-a", 1L));
    client.dynamicResourceAllocation().v1().resourcesSlices().resource(foreign).create();

    SlicePublisher p = publisher();
    p.accept(pass());
    assertThat(p.writes()).isZero();
    assertThat(stored())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("gpu-node-a", "node-b-memory-daxtier-io-0");
  }

  @Test
  void theNodeOwnsItsSlicesWhenItExists() {
    client
        .nodes()
        .resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().build())
        .create();
    String uid = client.nodes().withName("node-a").get().getMetadata().getUid();
    publisher().accept(pass(draPool()));

    assertThat(stored().get(0).getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("Node");
              assertThat(o.getUid()).isEqualTo(uid);
            });
  }

  static NodeState devDaxState(int devices) {
    return devDaxState(devices, List.of());
  }

  static NodeState devDaxState(
      int devices, List<io.daxtier.agent.model.AddressRange> poisonOfFirst) {
    List<NumaCapacity> nodes =
        IntStream.range(0, devices)
            .mapToObj(
                i ->
                    new NumaCapacity(
                        2,
                        0,
                        1L << 30,
                        List.of(),
                        i == 0 ? poisonOfFirst : List.of(),
                        List.of("/dev/dax" + i + ".0"),
                        null,
                        null,
                        null,
                        false))
            .toList();
    return new NodeState(
        Instant.EPOCH,
        List.of(
            new PoolCapacity(
                "raw",
                PoolMode.DevDax,
                "x.io/raw",
                1L << 30,
                TopologyMode.NumaNode,
                true,
                nodes,
                ResourceApi.DRA)),
        Map.of(),
        List.of(0),
        Capability.Unknown);
  }

  @Test
  void surplusSlicesAreDeletedWhenTheNodeShrinks() {
    SlicePublisher p = publisher();
    p.accept(devDaxState(130));
    assertThat(stored()).extracting(s -> s.getSpec().getDevices().size()).containsExactly(128, 2);

    p.accept(devDaxState(10));
    assertThat(stored())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getSpec().getDevices()).hasSize(10);
              assertThat(s.getSpec().getPool().getGeneration()).isEqualTo(2);
              assertThat(s.getSpec().getPool().getResourceSliceCount()).isEqualTo(1);
            });
  }

  @Test
  void withdrawDeletesEverySliceOfTheNode() {
    SlicePublisher p = publisher();
    p.accept(devDaxState(130));
    assertThat(p.withdraw()).isTrue();
    assertThat(stored()).isEmpty();
  }

  @Test
  void whileTheApiIsDownPassesGoOnAndTheSlicesAreWrittenWhenItReturns() throws Exception {
    URI master = URI.create(client.getConfiguration().getMasterUrl());
    try (ApiProxy proxy = new ApiProxy(master.getPort())) {
      Config config =
          new ConfigBuilder(Config.empty())
              .withMasterUrl(master.getScheme() + "://" + master.getHost() + ":" + proxy.port())
              .withTrustCerts(true)
              .withRequestRetryBackoffLimit(0)
              .withConnectionTimeout(1000)
              .withRequestTimeout(2000)
              .build();
      try (KubernetesClient agentClient =
          new KubernetesClientBuilder().withConfig(config).build()) {
        SlicePublisher p =
            new SlicePublisher(agentClient, "node-a", ResourceSlices.TaintEffect.NoSchedule);
        p.accept(pass(draPool())); // proxy not up yet: refused, nothing thrown
        assertThat(p.failures()).isEqualTo(1);
        assertThat(p.unreachable()).isPresent();
        assertThat(stored()).isEmpty();

        proxy.up();
        p.accept(pass(draPool())); // same devices: retried all the same
        assertThat(p.unreachable()).isEmpty();
        assertThat(only(stored()).getName()).isEqualTo("ram-tier-n1");
        assertThat(p.writes()).isEqualTo(1);
      }
    }
  }

  @Test
  void anUnlabelledSliceOfItsNameIsTakenOver() {
    ResourceSlice stale = new ResourceSlice();
    stale.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("node-a-memory-daxtier-io-0")
            .build());
    stale.setSpec(new io.fabric8.kubernetes.api.model.resource.v1.ResourceSliceSpec());
    stale.getSpec().setDriver(DraNames.DRIVER);
    stale.getSpec().setNodeName("node-a");
    client.dynamicResourceAllocation().v1().resourcesSlices().resource(stale).create();

    SlicePublisher p = publisher();
    p.accept(pass(draPool()));
    assertThat(p.failures()).isZero();
    assertThat(only(stored()).getName()).isEqualTo("ram-tier-n1");
    assertThat(stored().get(0).getMetadata().getLabels())
        .containsAllEntriesOf(ResourceSlices.selector("node-a"));
  }

  @Test
  void theTaintGoesWhenTheDeviceIsHealthyAgain() {
    SlicePublisher p = publisher();
    var page = new io.daxtier.agent.model.AddressRange(0x100000000L, 0x100000fffL);
    p.accept(devDaxState(2, List.of(page)));
    assertThat(stored().get(0).getSpec().getDevices())
        .extracting(d -> d.getName(), d -> d.getTaints().size())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("dax0-0", 1),
            org.assertj.core.groups.Tuple.tuple("dax1-0", 0));

    p.accept(devDaxState(2));
    assertThat(stored().get(0).getSpec().getDevices())
        .allSatisfy(d -> assertThat(d.getTaints()).isEmpty());
    assertThat(stored().get(0).getSpec().getPool().getGeneration()).isEqualTo(2);
  }

  @Test
  void inTheBackgroundThePassIsNotHeldUp() {
    try (SlicePublisher p =
        SlicePublisher.inBackground(client, "node-a", ResourceSlices.TaintEffect.NoSchedule)) {
      p.accept(pass(draPool()));
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> stored().size() == 1);
      assertThat(only(stored()).getName()).isEqualTo("ram-tier-n1");
    }
  }
}
