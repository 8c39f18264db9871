package io.daxtier.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.plugin.DevicePluginManager;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.deviceplugin.v1beta1.ContainerAllocateResponse;
import io.daxtier.testkit.kubelet.FakeKubelet;
import io.daxtier.testkit.kubelet.PluginConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's passes drive the real device plugin: a pool is advertised to the (fake) kubelet once
 * it has converged, with one device per unit of onlined memory, and withdrawn on release.
 */
class AdvertisingTest {
  final MutableClock clock = MutableClock.at("2026-11-25T04:00:00Z");
  final SimulatedKernel kernel = Nodes.qemu();
  final AtomicReference<List<NodePool>> desired = new AtomicReference<>(List.of());
  Path dir;
  FakeKubelet kubelet;
  DevicePluginManager plugins;
  AgentLoop loop;

  @BeforeEach
  void setUp() throws Exception {
    // Short path: Unix socket addresses hold 107 bytes.
    dir = Files.createTempDirectory(Path.of("/tmp"), "dt");
    kubelet = new FakeKubelet(dir).start();
    plugins = new DevicePluginManager(dir, failure -> {});
    DesiredStateSource source =
        () -> Optional.of(new DesiredState(desired.get(), (long) desired.get().hashCode()));
    loop =
        new AgentLoop(
            new NodeReconciler(kernel, new SimulatedNdctl(kernel), clock),
            source,
            status -> {},
            new CapacityAdvertiser(plugins::update),
            new AgentMetrics(),
            clock);
  }

  @AfterEach
  void tearDown() throws Exception {
    loop.close();
    plugins.close();
    kubelet.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void convergedPoolReachesTheKubeletAndAllocatesItsNumaNode() {
    desired.set(List.of(Pools.systemRam("tier")));
    loop.runOnce();

    PluginConnection plugin = kubelet.awaitPlugin("daxtier.io/pmem");
    // 7 onlined blocks of 128 MiB on node 1 (one block lost to alignment), 128Mi units.
    var list = plugin.awaitList(devices -> devices.size() == 7);
    assertThat(list.getDevicesList())
        .allSatisfy(
            d -> {
              assertThat(d.getID()).startsWith("node1-");
              assertThat(d.getHealth()).isEqualTo("Healthy");
              assertThat(d.getTopology().getNodes(0).getID()).isEqualTo(1);
            });

    ContainerAllocateResponse env =
        plugin
            .allocate(List.of(list.getDevices(0).getID(), list.getDevices(1).getID()))
            .getContainerResponses(0);
    assertThat(env.getEnvsMap())
        .containsEntry("DAXTIER_NUMA_NODES", "1")
        .containsEntry("MEMKIND_DAX_KMEM_NODES", "1")
        .containsEntry("DAXTIER_BYTES", String.valueOf(2L * 128 * 1024 * 1024));
  }

  @Test
  void nothingIsAdvertisedWhileThePoolIsBlocked() {
    desired.set(
        List.of(
            Pools.with(
                Pools.systemRam("strict"),
                Pools.encryption(io.daxtier.api.v1alpha1.EncryptionPolicy.Required))));
    loop.runOnce();
    assertThat(plugins.status()).isEmpty();
    assertThat(kubelet.registrations()).isEmpty();
  }

  @Test
  void releasedPoolIsWithdrawn() {
    desired.set(List.of(Pools.systemRam("tier")));
    loop.runOnce();
    kubelet.awaitPlugin("daxtier.io/pmem").awaitList(devices -> devices.size() == 7);

    desired.set(List.of(Pools.releasing(Pools.systemRam("tier"), ReleaseAction.Offline)));
    loop.runOnce();
    assertThat(plugins.status()).isEmpty();
  }
}
