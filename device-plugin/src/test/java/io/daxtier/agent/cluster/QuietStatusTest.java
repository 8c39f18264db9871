package io.daxtier.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.run.AgentLoop;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PmemNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Quiet steady state: a converged agent writes its PmemNode once, then only on a change (or the
 * slow full refresh); condition times move only on a transition; liveness is a node Lease renewed
 * on its own, which never writes the PmemNode. Writes are counted at the mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class QuietStatusTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  final MutableClock clock = MutableClock.at("2026-11-25T04:00:00Z");
  final SimulatedKernel kernel = Nodes.qemu();
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
    source = new PmemNodeSource(client, "node-q");
    writer = new PmemNodeStatusWriter(client, "node-q", "default", clock);
    writer.observe(source::stored);
    loop =
        new AgentLoop(
            new NodeReconciler(kernel, new SimulatedNdctl(kernel), clock),
            source,
            writer,
            s -> {},
            new AgentMetrics(),
            clock);
  }

  @AfterEach
  void tearDown() {
    loop.close();
    client.resources(PmemNode.class).withName("node-q").delete();
    client.leases().inNamespace("default").withName(NodeLease.name("node-q")).delete();
  }

  private PmemNode node(NodePool... pools) {
    PmemNode n = new PmemNode();
    n.setMetadata(new ObjectMetaBuilder().withName("node-q").build());
    n.getSpec().pools = List.of(pools);
    return n;
  }

  /** Writes (not GETs, not watches) received since the last call, by verb and path. */
  private static Map<String, Integer> writes() throws InterruptedException {
    Map<String, Integer> out = new TreeMap<>();
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      if (!"GET".equals(r.getMethod())) {
        String path = r.getPath().replaceAll("\\?.*", "");
        out.merge(r.getMethod() + " " + path, 1, Integer::sum);
      }
    }
    return out;
  }

  /** The agent's writes to a PmemNode (its status; the spec is the test's). */
  private static int pmemNodeWrites(Map<String, Integer> writes) {
    return writes.entrySet().stream()
        .filter(e -> e.getKey().contains("/pmemnodes/") && e.getKey().endsWith("/status"))
        .mapToInt(Map.Entry::getValue)
        .sum();
  }

  /** A pass 30 s after the previous one; waits until its status write (if any) was tried. */
  private void pass() throws InterruptedException {
    clock.advance(Duration.ofSeconds(30));
    assertThat(loop.runOnce()).isPresent();
    assertThat(writer.drain(Duration.ofSeconds(10))).isTrue();
  }

  private Map<String, String> transitionTimes() {
    return client.resources(PmemNode.class).withName("node-q").get().getStatus().conditions.stream()
        // the stock mock's merge patch appends to lists: the last of each type is the latest
        .collect(
            Collectors.toMap(Condition::getType, Condition::getLastTransitionTime, (a, b) -> b));
  }

  @Test
  void aConvergedAgentWritesOnceThenOnlyOnChangeOrTheSlowRefresh() throws Exception {
    // converge first (two writes: the pass that converts, the first that finds it Online)
    client.resource(node(Pools.systemRam("tier"))).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.current().isPresent());
    pass(); // converges: the first write
    pass(); // the conversion's own reason gives way to Online: the second write
    writes();
    for (int i = 0; i < 8; i++) { // 4 minutes of passes, nothing changes
      pass();
    }
    Map<String, Integer> steady = writes();
    assertThat(pmemNodeWrites(steady)).as("%s", steady).isZero();
    assertThat(writer.writes()).isEqualTo(2);
    assertThat(writer.unchanged()).isEqualTo(8);
    Map<String, String> times = transitionTimes();
    assertThat(times.values()).containsOnly("2026-11-25T04:00:30Z");

    // a change: new poison in an onlined block of dax0.0: one write
    kernel.addBadBlock("region0", 0x80000, 8);
    pass();
    pass();
    pass();
    Map<String, Integer> after = writes();
    assertThat(pmemNodeWrites(after)).as("writes %s", after).isEqualTo(1);
    Map<String, String> moved = transitionTimes();
    // the poison's pages were retired: the device lists bad blocks, no condition moved
    assertThat(client.resources(PmemNode.class).withName("node-q").get().getStatus().devices)
        .anySatisfy(d -> assertThat(d.badBlocks).isPositive());
    assertThat(moved).isEqualTo(times);

    // the slow refresh: an unchanged status is written again 5 minutes after the last write
    // (04:05:30): the passes up to 04:10:00 write nothing, the one at 04:10:30 does
    for (int i = 0; i < 7; i++) {
      pass();
    }
    assertThat(pmemNodeWrites(writes())).isZero();
    pass();
    assertThat(pmemNodeWrites(writes())).isEqualTo(1);
    PmemNode stored = client.resources(PmemNode.class).withName("node-q").get();
    assertThat(stored.getStatus().heartbeat).isEqualTo(clock.instant().toString());
    assertThat(transitionTimes()).isEqualTo(moved);
  }

  @Test
  void aRestartedAgentKeepsTheTransitionTimesItReportedBefore() throws Exception {
    client.resource(node(Pools.systemRam("tier"))).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.current().isPresent());
    pass();
    Map<String, String> times = transitionTimes();
    loop.close();
    // a new process: its source sees the stored status, its writer has written nothing yet
    setUp();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.current().isPresent());
    writes();
    pass();
    assertThat(pmemNodeWrites(writes())).isEqualTo(1); // one write after a restart, times kept
    assertThat(transitionTimes()).isEqualTo(times);
  }

  @Test
  void aRecreatedPmemNodeGetsItsStatusAtTheNextPass() throws Exception {
    client.resource(node(Pools.systemRam("tier"))).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.current().isPresent());
    pass();
    client.resources(PmemNode.class).withName("node-q").delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.stored().isEmpty());
    client.resource(node(Pools.systemRam("tier"))).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.stored().isPresent());
    pass();
    assertThat(client.resources(PmemNode.class).withName("node-q").get().getStatus()).isNotNull();
  }

  @Test
  void theNodeLeaseIsCreatedAndRenewedWithoutWritingThePmemNode() throws Exception {
    client.resource(node(Pools.systemRam("tier"))).create();
    writes();
    NodeLease lease = new NodeLease(client, "default", "node-q", clock);
    try {
      lease.renew();
      Lease created = client.leases().inNamespace("default").withName("daxtier-agent-node-q").get();
      assertThat(created.getSpec().getHolderIdentity()).isEqualTo("node-q");
      assertThat(created.getSpec().getLeaseDurationSeconds()).isEqualTo(NodeLease.DURATION_SECONDS);
      assertThat(created.getMetadata().getLabels())
          .containsEntry(NodeLease.LABEL, NodeLease.LABEL_VALUE);
      Instant first = NodeLease.renewedAt(created);
      assertThat(first).isEqualTo(clock.instant());

      clock.advance(NodeLease.RENEW_EVERY);
      lease.renew();
      clock.advance(NodeLease.RENEW_EVERY);
      lease.renew();
      Lease renewed = client.leases().inNamespace("default").withName("daxtier-agent-node-q").get();
      assertThat(NodeLease.renewedAt(renewed)).isEqualTo(first.plusSeconds(20));
      Map<String, Integer> w = writes();
      assertThat(pmemNodeWrites(w)).isZero();
      assertThat(w)
          .containsEntry("POST /apis/coordination.k8s.io/v1/namespaces/default/leases", 1)
          .containsEntry(
              "PUT /apis/coordination.k8s.io/v1/namespaces/default/leases/daxtier-agent-node-q", 2);

      // someone else wrote it meanwhile (409 on our stale copy): read afresh, renewed next time
      client
          .leases()
          .inNamespace("default")
          .withName("daxtier-agent-node-q")
          .edit(
              l -> {
                l.getSpec().setLeaseDurationSeconds(5);
                return l;
              });
      clock.advance(NodeLease.RENEW_EVERY);
      lease.renew();
      lease.renew();
      assertThat(
              NodeLease.renewedAt(
                  client.leases().inNamespace("default").withName("daxtier-agent-node-q").get()))
          .isEqualTo(first.plusSeconds(30));
    } finally {
      lease.close();
    }
  }

  @Test
  void theLeaseRenewsOnItsOwnThread() {
    NodeLease lease =
        new NodeLease(client, "default", "node-q", clock, Duration.ofMillis(100), null).start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> lease.renewals() >= 3);
    } finally {
      lease.close();
    }
  }
}
