package io.daxtier.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ResourceSpec;
import io.daxtier.operator.cluster.NodePatcher;
import io.daxtier.operator.render.DrainRecords;
import io.daxtier.testkit.mock.PodsByNodeDispatcher;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole operator (both reconcilers, leader election, endpoints) against the Fabric8 mock API
 * server in CRUD mode (with pod lists by {@code spec.nodeName}, {@link PodsByNodeDispatcher}),
 * started once for the class. Node agents are simulated by writing PmemNode status; each test works
 * on its own nodes (own label values) and pools.
 */
class OperatorOnMockServerTest {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
  static DaxtierOperator.Handle operator;
  static Cluster cluster;

  @BeforeAll
  static void startOperator() {
    server = PodsByNodeDispatcher.startServer();
    client = server.createClient();
    Awaitility.setDefaultTimeout(Duration.ofSeconds(20));
    Awaitility.setDefaultPollInterval(Duration.ofMillis(50));
    PodsByNodeDispatcher.allowLeases(server);
    cluster = new Cluster(client);
    cluster.installCrds();
    OperatorConfig config =
        OperatorConfig.fromEnvironment(Map.of())
            .withLeaderElection(true, "daxtier-system", "op-test")
            .withHttpPort(0)
            .withDrainPoll(Duration.ofMillis(200));
    operator = DaxtierOperator.start(client, config, CLOCK);
  }

  @AfterAll
  static void stopOperator() {
    operator.stop();
    client.close();
    server.destroy();
  }

  private static Map<String, String> team(String t) {
    return Map.of("team", t);
  }

  private static boolean poolStatus(
      String pool, java.util.function.Predicate<io.daxtier.api.v1alpha1.PmemPoolStatus> test) {
    return cluster
        .pool(pool)
        .map(p -> p.getStatus() != null && test.test(p.getStatus()))
        .orElse(false);
  }

  private static Optional<Condition> condition(String pool, String type) {
    return cluster
        .pool(pool)
        .filter(p -> p.getStatus() != null)
        .flatMap(
            p ->
                p.getStatus().conditions.stream()
                    .filter(c -> type.equals(c.getType()))
                    .findFirst());
  }

  private static Stream<Event> events(String pool, String reason) {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> pool.equals(e.getInvolvedObject().getName()))
        .filter(e -> reason.equals(e.getReason()));
  }

  private static Consumer<PmemPool> offline(String resource, int maxUnavailable) {
    return p -> {
      p.getSpec().release.action = ReleaseAction.Offline;
      p.getSpec().release.maxUnavailable = maxUnavailable;
      p.getSpec().resource = new ResourceSpec();
      p.getSpec().resource.name = resource;
    };
  }

  private static void expectEviction(String pod, int code) {
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/default/pods/" + pod + "/eviction")
        .andReturn(code, new StatusBuilder().withCode(code).build())
        .always();
  }

  private static boolean cordonedByUs(String node) {
    Node n = cluster.getNode(node);
    return NodePatcher.unschedulable(n) && NodePatcher.cordonedByUs(n);
  }

  @Test
  void rendersSelectedNodesOwnedByTheirNodeAndFollowsLabelChanges() {
    Node r1 = cluster.node("r1", team("render"));
    cluster.node("r2", team("render"));
    cluster.node("r3", team("other"));
    cluster.pool("render-pool", team("render"), p -> {});

    await().until(() -> cluster.has("r1", "render-pool", NodePoolState.Active));
    await().until(() -> cluster.has("r2", "render-pool", NodePoolState.Active));
    await().until(() -> cluster.pmemNode("r3").isPresent());
    assertThat(cluster.entry("r3", "render-pool")).isEmpty();
    var owner = cluster.pmemNode("r1").orElseThrow().getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getKind()).isEqualTo("Node");
    assertThat(owner.getUid()).isEqualTo(r1.getMetadata().getUid());
    var entry = cluster.entry("r1", "render-pool").orElseThrow();
    assertThat(entry.uid)
        .isEqualTo(cluster.pool("render-pool").orElseThrow().getMetadata().getUid());
    assertThat(entry.spec.nodeSelector).isNull();
    assertThat(cluster.pool("render-pool").orElseThrow().getMetadata().getFinalizers())
        .contains(Api.FINALIZER);
    await()
        .until(
            () ->
                cluster
                    .pool("render-pool")
                    .map(p -> p.getStatus() != null && p.getStatus().matchedNodes == 2)
                    .orElse(false));

    cluster.relabel("r3", team("render"));
    await().until(() -> cluster.has("r3", "render-pool", NodePoolState.Active));
    await()
        .until(
            () ->
                cluster
                    .pool("render-pool")
                    .map(p -> p.getStatus().matchedNodes == 3)
                    .orElse(false));

    cluster.relabel("r2", team("other"));
    await().until(() -> cluster.has("r2", "render-pool", NodePoolState.Release));
    cluster.agentReports("r2", "render-pool", PoolPhase.Released, null, null);
    await().until(() -> cluster.entry("r2", "render-pool").isEmpty());
    await().until(() -> events("render-pool", "Released").findAny().isPresent());

    client.nodes().withName("r1").delete();
    await()
        .until(
            () ->
                cluster
                    .pool("render-pool")
                    .map(p -> p.getStatus().matchedNodes == 1)
                    .orElse(false));
  }

  @Test
  void aNodeReconcileThatFailsIsReportedOnItsPoolsAndCountedThenRetried() {
    cluster.node("fail1", team("error"));
    cluster.pool("error-pool", team("error"), p -> {});
    await().until(() -> cluster.has("fail1", "error-pool", NodePoolState.Active));
    double before = renderErrors();
    server
        .expect()
        .put()
        .withPath("/apis/daxtier.io/v1alpha1/pmemnodes/fail1")
        // 422: the client retries 5xx itself, so the failure would not reach the reconciler
        .andReturn(422, new StatusBuilder().withCode(422).withMessage("injected failure").build())
        .once();

    cluster.relabel("fail1", team("elsewhere")); // the release needs a PmemNode write, which fails
    await().until(() -> events("error-pool", "NodeRenderFailed").findAny().isPresent());
    assertThat(events("error-pool", "NodeRenderFailed").findFirst().orElseThrow().getMessage())
        .startsWith("node fail1: KubernetesClientException")
        .contains("injected failure");
    assertThat(renderErrors()).isGreaterThan(before);

    // JOSDK retries; once the API answers again the release goes through
    await().until(() -> cluster.has("fail1", "error-pool", NodePoolState.Release));
    assertThat(events("error-pool", "NodeRenderFailed").count()).isEqualTo(1);
  }

  private static double renderErrors() {
    return operator.registry().get("daxtier.node.render.errors").counter().count();
  }

  @Test
  void aggregatesAgentStatusLabelsOnlineNodesAndRecordsBlockedEvents() {
    cluster.node("s1", team("status"));
    cluster.node("s2", team("status"));
    cluster.pool("status-pool", team("status"), p -> {});
    await().until(() -> cluster.has("s1", "status-pool", NodePoolState.Active));
    await().until(() -> cluster.has("s2", "status-pool", NodePoolState.Active));

    cluster.agentReports("s1", "status-pool", PoolPhase.Ready, null, 8L << 30);
    cluster.agentReports("s2", "status-pool", PoolPhase.Blocked, "EncryptionRequired", null);

    await().until(() -> poolStatus("status-pool", s -> s.readyNodes == 1 && s.blockedNodes == 1));
    var status = cluster.pool("status-pool").orElseThrow().getStatus();
    assertThat(status.onlineCapacity).isEqualTo("8Gi");
    assertThat(status.phase).isEqualTo(PoolPhase.Blocked);
    assertThat(status.blockedNodeList)
        .extracting(b -> b.node + "/" + b.reason)
        .containsExactly("s2/EncryptionRequired");
    assertThat(condition("status-pool", "PolicyBlocked").orElseThrow().getReason())
        .isEqualTo("EncryptionRequired");
    assertThat(condition("status-pool", "Ready").orElseThrow().getMessage())
        .isEqualTo("1 of 2 nodes ready");
    await()
        .until(
            () ->
                "true"
                    .equals(
                        cluster.getNode("s1").getMetadata().getLabels().get(Api.LABEL_PMEM_READY)));
    assertThat(cluster.getNode("s2").getMetadata().getLabels())
        .doesNotContainKey(Api.LABEL_PMEM_READY);
    await()
        .until(
            () ->
                events("status-pool", "NodeBlocked").anyMatch(e -> e.getMessage().contains("s2")));

    cluster.agentReports("s1", "status-pool", PoolPhase.Converging, null, 0L);
    await()
        .until(
            () ->
                cluster.getNode("s1").getMetadata().getLabels().get(Api.LABEL_PMEM_READY) == null);
  }

  @Test
  void theYoungerPoolGetsTheConflictNamingNodeAndOwner() {
    cluster.node("c1", team("conflict"));
    cluster.pool(
        "conflict-a",
        team("conflict"),
        p -> {
          p.getSpec().resource = new ResourceSpec();
          p.getSpec().resource.name = "example.com/conflict";
        });
    await().until(() -> cluster.has("c1", "conflict-a", NodePoolState.Active));
    cluster.pool(
        "conflict-b",
        team("conflict"),
        p -> {
          p.getSpec().resource = new ResourceSpec();
          p.getSpec().resource.name = "example.com/conflict";
          p.getSpec().resource.unit = "2Gi";
        });

    await()
        .until(
            () ->
                condition("conflict-b", "Conflict")
                    .map(c -> "True".equals(c.getStatus()))
                    .orElse(false));
    Condition c = condition("conflict-b", "Conflict").orElseThrow();
    assertThat(c.getReason()).isEqualTo("ResourceUnitConflict");
    assertThat(c.getMessage()).contains("node c1").contains("conflict-a");
    await()
        .until(
            () ->
                condition("conflict-a", "Conflict")
                    .map(x -> "False".equals(x.getStatus()))
                    .orElse(false));
    assertThat(cluster.pmemNode("c1").orElseThrow().getSpec().pools)
        .extracting(e -> e.name)
        .containsExactly("conflict-a", "conflict-b");
  }

  @Test
  void deletingAnOfflinePoolDrainsUnderCordonReleasesUncordonsAndDropsTheFinalizer() {
    cluster.node("d1", team("drain"));
    cluster.pool("drain-pool", team("drain"), offline("example.com/drain", 1));
    cluster.pod("drain-user", "d1", "example.com/drain", "2");
    cluster.pod("bystander", "d1", null, null);
    expectEviction("drain-user", 201);
    await().until(() -> cluster.has("d1", "drain-pool", NodePoolState.Active));

    client.resources(PmemPool.class).withName("drain-pool").delete();

    await().until(() -> cordonedByUs("d1"));
    await().until(() -> writes("Pod", "evict") > 0);
    assertThat(
            cluster
                .pmemNode("d1")
                .orElseThrow()
                .getMetadata()
                .getAnnotations()
                .get(DrainRecords.ANNOTATION))
        .startsWith("drain-pool=");
    assertThat(cluster.has("d1", "drain-pool", NodePoolState.Active)).isTrue(); // pods first

    client.pods().inNamespace("default").withName("drain-user").delete(); // the eviction happening
    await().until(() -> cluster.has("d1", "drain-pool", NodePoolState.Release));
    assertThat(cordonedByUs("d1")).isTrue();

    cluster.agentReports("d1", "drain-pool", PoolPhase.Released, null, null);
    await().until(() -> cluster.pool("drain-pool").isEmpty());
    assertThat(cluster.entry("d1", "drain-pool")).isEmpty();
    await().until(() -> !NodePatcher.unschedulable(cluster.getNode("d1")));
    assertThat(NodePatcher.cordonedByUs(cluster.getNode("d1"))).isFalse();
    assertThat(client.pods().inNamespace("default").withName("bystander").get()).isNotNull();
  }

  @Test
  void drainABudgetForbidsIsAbandonedAtTheTimeoutAndTheNodeUncordoned() {
    cluster.node("b1", team("pdb"));
    cluster.pool("pdb-pool", team("pdb"), offline("example.com/pdb", 1));
    cluster.pod("guarded", "b1", "example.com/pdb", "1");
    expectEviction("guarded", 429);
    await().until(() -> cluster.has("b1", "pdb-pool", NodePoolState.Active));

    cluster.relabel("b1", team("elsewhere")); // the node leaves the pool
    await().until(() -> cordonedByUs("b1"));
    double refused = writes("Pod", "evict");
    await().until(() -> writes("Pod", "evict") > refused + 1); // retried while the budget says no

    CLOCK.advance(Duration.ofMinutes(11));

    await().until(() -> !NodePatcher.unschedulable(cluster.getNode("b1")));
    assertThat(NodePatcher.cordonedByUs(cluster.getNode("b1"))).isFalse();
    assertThat(cluster.has("b1", "pdb-pool", NodePoolState.Active)).isTrue(); // memory not released
    await().until(() -> events("pdb-pool", "DrainTimeout").findAny().isPresent());
    await()
        .until(
            () ->
                cluster
                    .pool("pdb-pool")
                    .map(PmemPool::getStatus) // no status until the first aggregation lands
                    .filter(st -> st.blockedNodeList != null)
                    .map(
                        st ->
                            st.blockedNodeList.stream()
                                .anyMatch(
                                    b -> b.node.equals("b1") && b.reason.equals("DrainTimeout")))
                    .orElse(false));
    assertThat(client.pods().inNamespace("default").withName("guarded").get()).isNotNull();
  }

  @Test
  void aNodeSomeoneElseCordonedIsNeverUncordonedByUs() {
    cluster.node("o1", team("cordoned"));
    client
        .nodes()
        .withName("o1")
        .edit(
            n -> {
              n.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
              n.getSpec().setUnschedulable(true);
              return n;
            });
    cluster.pool("oc-pool", team("cordoned"), offline("example.com/oc", 1));
    await().until(() -> cluster.has("o1", "oc-pool", NodePoolState.Active));

    cluster.relabel("o1", team("gone"));
    await().until(() -> cluster.has("o1", "oc-pool", NodePoolState.Release)); // no pods: no wait
    cluster.agentReports("o1", "oc-pool", PoolPhase.Released, null, null);
    await().until(() -> cluster.entry("o1", "oc-pool").isEmpty());

    Node n = cluster.getNode("o1");
    assertThat(NodePatcher.unschedulable(n)).isTrue();
    assertThat(NodePatcher.cordonedByUs(n)).isFalse();
  }

  @Test
  void aNodeThatCannotReleaseKeepsThePoolReleasingWithTheReason() {
    cluster.node("e1", team("ebusy"));
    cluster.pool("ebusy-pool", team("ebusy"), p -> {});
    await().until(() -> cluster.has("e1", "ebusy-pool", NodePoolState.Active));

    client.resources(PmemPool.class).withName("ebusy-pool").delete();
    await().until(() -> cluster.has("e1", "ebusy-pool", NodePoolState.Release));
    cluster.agentReports("e1", "ebusy-pool", PoolPhase.Releasing, "OfflineBusy", 4L << 30);

    await()
        .until(
            () ->
                condition("ebusy-pool", "Ready")
                    .map(c -> "ReleaseBlocked".equals(c.getReason()))
                    .orElse(false));
    assertThat(condition("ebusy-pool", "Ready").orElseThrow().getMessage())
        .contains("e1 (OfflineBusy)");
    assertThat(cluster.pool("ebusy-pool").orElseThrow().getStatus().phase)
        .isEqualTo(PoolPhase.Releasing);
    assertThat(cluster.pool("ebusy-pool").orElseThrow().getMetadata().getFinalizers())
        .contains(Api.FINALIZER);

    cluster.agentReports("e1", "ebusy-pool", PoolPhase.Released, null, null);
    await().until(() -> cluster.pool("ebusy-pool").isEmpty());
  }

  @Test
  void atMostMaxUnavailableNodesReleaseAtOnce() {
    for (String n : new String[] {"m1", "m2", "m3"}) {
      cluster.node(n, team("max"));
    }
    cluster.pool("max-pool", team("max"), offline("example.com/max", 1));
    for (String n : new String[] {"m1", "m2", "m3"}) {
      await().until(() -> cluster.has(n, "max-pool", NodePoolState.Active));
    }

    client.resources(PmemPool.class).withName("max-pool").delete();
    for (int round = 0; round < 3; round++) {
      await().until(() -> releasing("max-pool", "m1", "m2", "m3") == 1);
      String next =
          Stream.of("m1", "m2", "m3")
              .filter(n -> cluster.has(n, "max-pool", NodePoolState.Release))
              .findFirst()
              .orElseThrow();
      assertThat(releasing("max-pool", "m1", "m2", "m3")).isEqualTo(1);
      cluster.agentReports(next, "max-pool", PoolPhase.Released, null, null);
      await().until(() -> cluster.entry(next, "max-pool").isEmpty());
    }
    await().until(() -> cluster.pool("max-pool").isEmpty());
  }

  @Test
  void aReconcileWithNothingNewWritesNothing() {
    cluster.node("q1", team("quiet"));
    cluster.pool("quiet-pool", team("quiet"), p -> {});
    await().until(() -> cluster.has("q1", "quiet-pool", NodePoolState.Active));
    cluster.agentReports("q1", "quiet-pool", PoolPhase.Ready, null, 1L << 30);
    await()
        .until(
            () ->
                "true"
                    .equals(
                        cluster.getNode("q1").getMetadata().getLabels().get(Api.LABEL_PMEM_READY)));
    await().until(() -> poolStatus("quiet-pool", s -> s.readyNodes == 1));

    long renders = operator.nodeRenders();
    long aggregations = operator.poolAggregations();
    long writes = operator.apiWrites();
    // a label nobody selects on: both controllers look again, nothing they own changes
    client
        .nodes()
        .withName("q1")
        .edit(
            n -> {
              n.getMetadata().getLabels().put("unrelated", "x");
              return n;
            });
    await()
        .until(
            () -> operator.nodeRenders() > renders && operator.poolAggregations() > aggregations);
    assertThat(operator.apiWrites()).isEqualTo(writes);
  }

  @Test
  void holdsTheLeaseAndServesHealthReadinessAndMetrics() throws Exception {
    await()
        .until(
            () -> {
              Lease l =
                  client.leases().inNamespace("daxtier-system").withName("daxtier-operator").get();
              return l != null && "op-test".equals(l.getSpec().getHolderIdentity());
            });
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://localhost:" + operator.httpPort();
    assertThat(get(http, base + "/healthz").statusCode()).isEqualTo(200);
    assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(200);
    HttpResponse<String> metrics = get(http, base + "/metrics");
    assertThat(metrics.body()).contains("operator_sdk_").contains("daxtier_api_writes_total");
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long releasing(String pool, String... nodes) {
    return Stream.of(nodes)
        .filter(
            n ->
                cluster.has(n, pool, NodePoolState.Release)
                    || cluster
                        .pmemNode(n)
                        .map(pn -> pn.getMetadata().getAnnotations())
                        .map(a -> a.getOrDefault(DrainRecords.ANNOTATION, "").contains(pool + "="))
                        .orElse(false))
        .count();
  }

  private static double writes(String kind, String verb) {
    var c =
        operator
            .registry()
            .find("daxtier.api.writes")
            .tag("kind", kind)
            .tag("verb", verb)
            .counter();
    return c == null ? 0 : c.count();
  }
}
