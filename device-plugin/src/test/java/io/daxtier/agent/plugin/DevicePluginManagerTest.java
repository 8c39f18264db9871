package io.daxtier.agent.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.daxtier.agent.plugin.allocation.AdvertisedResource;
import io.daxtier.agent.plugin.allocation.ByteRange;
import io.daxtier.agent.plugin.allocation.DaxCharDevice;
import io.daxtier.agent.plugin.allocation.NumaCapacity;
import io.daxtier.api.v1alpha1.TopologyMode;
import io.daxtier.deviceplugin.v1beta1.ContainerAllocateResponse;
import io.daxtier.deviceplugin.v1beta1.Device;
import io.daxtier.deviceplugin.v1beta1.DeviceSpec;
import io.daxtier.deviceplugin.v1beta1.RegisterRequest;
import io.daxtier.kubelet.UdsTransport;
import io.daxtier.testkit.kubelet.FakeKubelet;
import io.daxtier.testkit.kubelet.PluginConnection;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin against a fake kubelet, over real gRPC on Unix sockets in a temp directory. */
class DevicePluginManagerTest {
  private static final long GI = 1L << 30;
  private static final String PMEM = "daxtier.io/pmem";
  private static final String DEVDAX = "daxtier.io/devdax";

  @TempDir Path dir;
  private FakeKubelet kubelet;
  private DevicePluginManager plugin;
  private final List<PluginFailure> failures = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startKubelet() {
    kubelet = new FakeKubelet(dir).start();
  }

  @AfterEach
  void stopAll() {
    if (plugin != null) {
      plugin.close();
    }
    kubelet.close();
  }

  @Test
  void registersAndListsOneUnitPerGibPerNodeWithTopology() throws IOException {
    plugin = manager(PluginOptions.defaults());
    plugin.update(List.of(pmem(node(2, 3 * GI, 0), node(3, 2 * GI, 0))));

    PluginConnection conn = kubelet.awaitPlugin(PMEM);

    RegisterRequest reg = kubelet.registrations().get(0);
    assertThat(reg.getVersion()).isEqualTo("v1beta1");
    assertThat(reg.getEndpoint()).isEqualTo("daxtier-daxtier.io_pmem.sock");
    assertThat(reg.getResourceName()).isEqualTo(PMEM);
    assertThat(reg.getOptions().getGetPreferredAllocationAvailable()).isTrue();
    assertThat(reg.getOptions().getPreStartRequired()).isFalse();
    assertThat(conn.options().getGetPreferredAllocationAvailable()).isTrue();

    List<Device> devices = conn.latest().orElseThrow().getDevicesList();
    assertThat(devices)
        .extracting(Device::getID)
        .containsExactly("node2-0000", "node2-0001", "node2-0002", "node3-0000", "node3-0001");
    assertThat(devices).extracting(Device::getHealth).containsOnly("Healthy");
    assertThat(devices.get(3).getTopology().getNodes(0).getID()).isEqualTo(3);
    assertThat(plugin.status()).containsExactly(new ResourceState(PMEM, "pool-a", 5, 5, true));
  }

  @Test
  void capacityGrowthShrinkAndPoisonReachListAndWatch() throws IOException {
    plugin = manager(PluginOptions.defaults());
    plugin.update(List.of(pmem(node(2, GI, 0))));
    PluginConnection conn = kubelet.awaitPlugin(PMEM);

    plugin.update(List.of(pmem(node(2, 3 * GI, 0))));
    conn.awaitList(d -> d.size() == 3);

    plugin.update(
        List.of(pmem(new NumaCapacity(2, 3 * GI, 4096, List.of(new ByteRange(GI, 4096)), 0))));
    conn.awaitList(d -> d.size() == 3 && d.get(1).getHealth().equals("Unhealthy"));
    assertThat(conn.health())
        .isEqualTo(
            Map.of("node2-0000", "Healthy", "node2-0001", "Unhealthy", "node2-0002", "Healthy"));

    plugin.update(List.of(pmem(node(2, 2 * GI, 0))));
    conn.awaitList(d -> d.size() == 2);
    assertThat(conn.health()).containsOnlyKeys("node2-0000", "node2-0001");

    // Same resources again: nothing new is sent.
    int sent = conn.received().size();
    plugin.update(List.of(pmem(node(2, 2 * GI, 0))));
    assertThat(conn.received()).hasSize(sent);
    assertThat(conn.received())
        .extracting(r -> r.response().getDevicesCount())
        .containsExactly(1, 3, 3, 2);
  }

  @Test
  void preferredAllocationOverTheSocket() throws IOException {
    plugin = manager(PluginOptions.defaults());
    plugin.update(List.of(pmem(node(2, 2 * GI, 0), node(3, 4 * GI, 0))));
    PluginConnection conn = kubelet.awaitPlugin(PMEM);
    List<String> all = List.copyOf(conn.health().keySet());

    assertThat(conn.preferred(all, List.of(), 3))
        .containsExactly("node3-0000", "node3-0001", "node3-0002");
    assertThat(conn.preferred(all, List.of("node2-0001"), 2))
        .containsExactly("node2-0001", "node2-0000");
  }

  @Test
  void allocateGrantsValidIdsAndRejectsUnknownOrUnhealthyOnes() throws IOException {
    plugin = manager(PluginOptions.defaults());
    plugin.update(
        List.of(
            pmem(
                node(2, 2 * GI, 0),
                new NumaCapacity(3, 2 * GI, GI, List.of(new ByteRange(0, 1)), 0))));
    PluginConnection conn = kubelet.awaitPlugin(PMEM);

    ContainerAllocateResponse granted =
        conn.allocate(List.of("node2-0000", "node3-0001", "node2-0001")).getContainerResponses(0);
    assertThat(granted.getEnvsMap())
        .containsEntry("DAXTIER_NUMA_NODES", "2,3")
        .containsEntry("MEMKIND_DAX_KMEM_NODES", "2,3")
        .containsEntry("DAXTIER_BYTES", Long.toString(3 * GI));

    assertThatThrownBy(() -> conn.allocate(List.of("node2-0000"), List.of("node9-0000")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("UnknownDevice: unknown device id node9-0000 for resource " + PMEM);
            });
    assertThatThrownBy(() -> conn.allocate(List.of("node3-0000")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).startsWith("UnhealthyDevice:");
            });
  }

  @Test
  void devDaxAllocatesTheCharDevice() throws IOException {
    plugin = manager(PluginOptions.defaults());
    plugin.update(
        List.of(
            AdvertisedResource.devDax(
                DEVDAX,
                "pool-d",
                TopologyMode.NumaNode,
                List.of(
                    new DaxCharDevice("/dev/dax0.0", 0, true),
                    new DaxCharDevice("/dev/dax1.0", 1, false)))));
    PluginConnection conn = kubelet.awaitPlugin(DEVDAX);

    assertThat(conn.health()).isEqualTo(Map.of("dax0.0", "Healthy", "dax1.0", "Unhealthy"));
    ContainerAllocateResponse r = conn.allocate(List.of("dax0.0")).getContainerResponses(0);
    assertThat(r.getDevicesList())
        .containsExactly(
            DeviceSpec.newBuilder()
                .setContainerPath("/dev/dax0.0")
                .setHostPath("/dev/dax0.0")
                .setPermissions("rw")
                .build());
    assertThatThrownBy(() -> conn.allocate(List.of("dax1.0")))
        .hasMessageContaining("INVALID_ARGUMENT");
  }

  @Test
  void kubeletRestartIsFollowedByServingAndRegisteringAgainWithinASecond() throws IOException {
    plugin = manager(PluginOptions.defaults());
    plugin.update(List.of(pmem(node(2, 2 * GI, 0))));
    kubelet.awaitPlugin(PMEM);

    kubelet.restart();

    PluginConnection again =
        await()
            .atMost(Duration.ofSeconds(1))
            .pollInterval(Duration.ofMillis(10))
            .until(
                () -> kubelet.plugin(PMEM).filter(c -> c.latest().isPresent()), o -> o.isPresent())
            .orElseThrow();
    assertThat(kubelet.registrationsOf(PMEM)).isEqualTo(2);
    assertThat(again.health()).containsOnlyKeys("node2-0000", "node2-0001");
    assertThat(Files.exists(dir.resolve("daxtier-daxtier.io_pmem.sock"))).isTrue();
    assertThat(failures).isEmpty();
  }

  @Test
  void aNewKubeletSocketAloneAlsoTriggersRegistration() throws IOException {
    plugin = manager(PluginOptions.defaults());
    plugin.update(List.of(pmem(node(2, GI, 0))));
    kubelet.awaitPlugin(PMEM);

    // A kubelet that restarts without cleaning the directory: only kubelet.sock is new.
    kubelet.stop();
    kubelet.start();

    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> kubelet.registrationsOf(PMEM) == 2);
    assertThat(kubelet.awaitPlugin(PMEM).health()).containsOnlyKeys("node2-0000");
  }

  @Test
  void registersWhenTheKubeletAppearsLater() throws IOException {
    kubelet.stop();
    Files.deleteIfExists(kubelet.socket());
    plugin = manager(PluginOptions.defaults());
    plugin.update(List.of(pmem(node(2, GI, 0))));
    assertThat(plugin.status()).extracting(ResourceState::registered).containsExactly(false);

    kubelet.start();

    assertThat(kubelet.awaitPlugin(PMEM).health()).containsOnlyKeys("node2-0000");
    await()
        .untilAsserted(
            () ->
                assertThat(plugin.status())
                    .extracting(ResourceState::registered)
                    .containsExactly(true));
  }

  @Test
  void registrationIsRetriedAfterTransientFailures() throws IOException {
    kubelet.failNextRegistrations(2);
    plugin =
        manager(
            PluginOptions.defaults().withRetries(Duration.ofMillis(10), Duration.ofMillis(50), 5));
    plugin.update(List.of(pmem(node(2, GI, 0))));

    kubelet.awaitPlugin(PMEM);
    assertThat(kubelet.registrationsOf(PMEM)).isEqualTo(1);
    assertThat(failures).isEmpty();
  }

  @Test
  void aHungKubeletDoesNotHoldUpCapacityUpdates() throws IOException {
    kubelet.holdRegistrations();
    plugin =
        manager(
            new PluginOptions(
                "daxtier-",
                Duration.ofSeconds(30),
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                3,
                Duration.ofMillis(100),
                Duration.ofSeconds(2)));

    // Deadlock guard only: a blocking Register would stall both updates for 30 s.
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          plugin.update(List.of(pmem(node(2, GI, 0))));
          plugin.update(List.of(pmem(node(2, 2 * GI, 0))));
        });
    assertThat(plugin.status()).containsExactly(new ResourceState(PMEM, "pool-a", 2, 2, false));

    kubelet.releaseRegistrations();

    assertThat(kubelet.awaitPlugin(PMEM).awaitList(d -> d.size() == 2)).isNotNull();
    await()
        .untilAsserted(
            () ->
                assertThat(plugin.status())
                    .extracting(ResourceState::registered)
                    .containsExactly(true));
    assertThat(failures).isEmpty();
  }

  @Test
  void registrationRefusedEveryTimeIsFatal() throws IOException {
    kubelet.failNextRegistrations(100);
    plugin =
        manager(
            PluginOptions.defaults().withRetries(Duration.ofMillis(5), Duration.ofMillis(20), 3));
    plugin.update(List.of(pmem(node(2, GI, 0))));

    await().atMost(Duration.ofSeconds(5)).until(() -> !failures.isEmpty());
    assertThat(failures.get(0).reason()).isEqualTo(PluginFailure.Reason.RegistrationFailed);
    assertThat(failures.get(0).resourceName()).isEqualTo(PMEM);
    assertThat(plugin.status()).isEmpty();
    assertThat(dir.resolve("daxtier-daxtier.io_pmem.sock")).doesNotExist();
  }

  @Test
  void aSocketThatCannotBeServedIsFatal() throws IOException {
    // Something that is not our socket sits where our socket goes.
    Files.createDirectories(dir.resolve("daxtier-daxtier.io_pmem.sock").resolve("x"));
    plugin = manager(PluginOptions.defaults());

    plugin.update(List.of(pmem(node(2, GI, 0))));

    assertThat(failures)
        .singleElement()
        .satisfies(f -> assertThat(f.reason()).isEqualTo(PluginFailure.Reason.ServeFailed));
    assertThat(kubelet.registrations()).isEmpty();
  }

  @Test
  void aServerWhoseEventLoopDiesIsFatal() throws IOException {
    UdsTransport transport = new UdsTransport("test-plugin-io");
    PluginOptions fastResync =
        new PluginOptions(
            "daxtier-",
            Duration.ofSeconds(5),
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            3,
            Duration.ofMillis(20),
            Duration.ofMillis(50));
    plugin = new DevicePluginManager(dir, fastResync, failures::add, transport);
    plugin.update(List.of(pmem(node(2, GI, 0))));
    kubelet.awaitPlugin(PMEM);

    transport.close(); // the event loop under the server goes away

    await().atMost(Duration.ofSeconds(5)).until(() -> !failures.isEmpty());
    // The listener closes and unlinks the socket; serving again is impossible without the loop.
    assertThat(failures.get(0).reason())
        .isIn(PluginFailure.Reason.ServerTerminated, PluginFailure.Reason.ServeFailed);
    assertThat(plugin.status()).isEmpty();
  }

  @Test
  void twoResourcesAtOnceThenOneRemoved() throws IOException {
    plugin = manager(PluginOptions.defaults());
    AdvertisedResource dax =
        AdvertisedResource.devDax(
            DEVDAX,
            "pool-d",
            TopologyMode.None,
            List.of(new DaxCharDevice("/dev/dax0.0", 0, true)));
    plugin.update(List.of(pmem(node(2, 2 * GI, 0)), dax));

    PluginConnection ram = kubelet.awaitPlugin(PMEM);
    PluginConnection devdax = kubelet.awaitPlugin(DEVDAX);
    assertThat(ram.health()).hasSize(2);
    assertThat(devdax.latest().orElseThrow().getDevices(0).hasTopology()).isFalse();
    assertThat(plugin.status())
        .extracting(ResourceState::resourceName)
        .containsExactly(PMEM, DEVDAX);

    plugin.update(List.of(dax));

    await().until(() -> !ram.streamOpen());
    assertThat(dir.resolve("daxtier-daxtier.io_pmem.sock")).doesNotExist();
    assertThat(devdax.streamOpen()).isTrue();
    assertThat(plugin.status()).extracting(ResourceState::resourceName).containsExactly(DEVDAX);
  }

  @Test
  void closeStopsServingAndRemovesSockets() throws IOException {
    plugin = manager(PluginOptions.defaults());
    plugin.update(List.of(pmem(node(2, GI, 0))));
    PluginConnection conn = kubelet.awaitPlugin(PMEM);

    plugin.close();
    plugin.close();

    await().until(() -> !conn.streamOpen());
    assertThat(dir.resolve("daxtier-daxtier.io_pmem.sock")).doesNotExist();
    assertThatThrownBy(() -> plugin.update(List.of())).isInstanceOf(IllegalStateException.class);
    plugin = null;
  }

  private DevicePluginManager manager(PluginOptions options) throws IOException {
    return new DevicePluginManager(dir, options, failures::add);
  }

  private static AdvertisedResource pmem(NumaCapacity... nodes) {
    return AdvertisedResource.systemRam(PMEM, "pool-a", GI, TopologyMode.NumaNode, List.of(nodes));
  }

  private static NumaCapacity node(int node, long bytes, int nearestCpu) {
    return NumaCapacity.healthy(node, bytes, nearestCpu);
  }
}
