package io.daxtier.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.run.AgentLoop;
import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** run mode against the Fabric8 mock API server: reads its PmemNode spec, writes status. */
@EnableKubernetesMockClient(crud = true)
class ClusterModeTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  final MutableClock clock = MutableClock.at("2026-11-25T04:00:00Z");
  final SimulatedKernel kernel = Nodes.qemu();
  final List<NodeState> seen = new CopyOnWriteArrayList<>();
  PmemNodeSource source;
  PmemNodeStatusWriter writer;
  AgentLoop loop;

  @BeforeEach
  void setUp() {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .load(getClass().getResourceAsStream("/META-INF/fabric8/pmemnodes.daxtier.io-v1.yml"))
        .createOr(r -> r.update());
    source = new PmemNodeSource(client, "node-a");
    loop =
        new AgentLoop(
            new NodeReconciler(kernel, new SimulatedNdctl(kernel), clock),
            source,
            writer = new PmemNodeStatusWriter(client, "node-a", "default", clock),
            seen::add,
            new AgentMetrics(),
            clock);
  }

  @AfterEach
  void tearDown() {
    loop.close();
    client.resources(PmemNode.class).withName("node-a").delete();
  }

  private PmemNode node(NodePool... pools) {
    PmemNode n = new PmemNode();
    n.setMetadata(new ObjectMetaBuilder().withName("node-a").build());
    n.getSpec().pools = List.of(pools);
    return n;
  }

  @Test
  void readsItsSpecAndWritesStatusThroughTheSubresource() throws Exception {
    client.resource(node(Pools.systemRam("tier"))).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.current().isPresent());

    assertThat(loop.runOnce()).isPresent();
    assertThat(writer.drain(Duration.ofSeconds(10))).isTrue(); // status is written off the pass

    PmemNode stored = client.resources(PmemNode.class).withName("node-a").get();
    assertThat(stored.getStatus().pools)
        .singleElement()
        .satisfies(p -> assertThat(p.phase).isEqualTo(PoolPhase.Ready));
    assertThat(stored.getStatus().observedGeneration)
        .isEqualTo(stored.getMetadata().getGeneration());
    assertThat(stored.getStatus().heartbeat).isEqualTo("2026-11-25T04:00:00Z");
    assertThat(stored.getStatus().onlineCapacity).isEqualTo("896Mi");
    assertThat(stored.getSpec().pools).hasSize(1); // spec untouched by the agent
    assertThat(seen).singleElement().satisfies(s -> assertThat(s.pools().get(0).ready()).isTrue());
  }

  @Test
  void aSpecChangeTriggersAPassAndPolicyBlocksBecomeEvents() throws Exception {
    client.resource(node(Pools.systemRam("tier"))).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.current().isPresent());
    List<String> passes = new CopyOnWriteArrayList<>();
    source.onChange(() -> passes.add("changed"));

    PmemNode n = client.resources(PmemNode.class).withName("node-a").get();
    NodePool strict =
        Pools.with(
            Pools.systemRam("tier"),
            s -> s.policy.encryption = io.daxtier.api.v1alpha1.EncryptionPolicy.Required);
    n.getSpec().pools = List.of(strict);
    client.resource(n).update();
    await().atMost(Duration.ofSeconds(10)).until(() -> !passes.isEmpty());

    loop.runOnce();
    assertThat(writer.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(writer.drain(Duration.ofSeconds(10))).isTrue(); // and the Event queued behind it

    PmemNode stored = client.resources(PmemNode.class).withName("node-a").get();
    assertThat(stored.getStatus().pools.get(0).reason).isEqualTo("EncryptionRequired");
    assertThat(client.v1().events().inNamespace("default").list().getItems())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("EncryptionRequired"));
  }

  @Test
  void aFailedDeviceRaisesOneWarningEventNamingItsReason() throws Exception {
    kernel.refuseKmem("dax0.0"); // kmem's probe refuses the device: a FAILED reason, not BLOCKED
    client.resource(node(Pools.systemRam("tier"))).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.current().isPresent());

    loop.runOnce();
    loop.runOnce(); // the same failure again: no second Event
    assertThat(writer.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(writer.drain(Duration.ofSeconds(10))).isTrue(); // and the Event queued behind it

    PmemNode stored = client.resources(PmemNode.class).withName("node-a").get();
    assertThat(stored.getStatus().devices)
        .filteredOn(d -> "dax0.0".equals(d.name))
        .singleElement()
        .satisfies(d -> assertThat(d.reason).isEqualTo("KmemRefused"));
    assertThat(client.v1().events().inNamespace("default").list().getItems())
        .filteredOn(e -> "KmemRefused".equals(e.getReason()))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("dax0.0").contains("pool tier");
              assertThat(e.getInvolvedObject().getName()).isEqualTo("node-a");
            });
  }

  @Test
  void withoutItsPmemNodeTheAgentWaits() {
    assertThat(loop.runOnce()).isEmpty();
    assertThat(kernel.writes()).isEmpty();
  }
}
