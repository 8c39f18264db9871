package io.daxtier.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.health.HealthServer;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.plugin.DevicePluginManager;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.record.DesiredStateCache;
import io.daxtier.agent.run.AgentLoop;
import io.daxtier.agent.run.CapacityAdvertiser;
import io.daxtier.agent.run.DesiredState;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.testkit.kubelet.FakeKubelet;
import io.daxtier.testkit.kubelet.PluginConnection;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Outage mode: the agent starts and keeps working while the API server is unreachable (an {@link
 * ApiProxy} in front of the mock API server is taken down), and writes its latest status when the
 * API server is back.
 */
@EnableKubernetesMockClient(crud = true)
class OutageModeTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  final MutableClock clock = MutableClock.at("2026-11-25T04:00:00Z");
  final SimulatedKernel kernel = Nodes.qemu();
  final AgentMetrics metrics = new AgentMetrics();
  Path dir;
  Path stateDir;
  FakeKubelet kubelet;
  DevicePluginManager plugins;
  ApiProxy proxy;
  KubernetesClient agentClient;
  PmemNodeSource source;
  PmemNodeStatusWriter writer;
  AgentLoop loop;

  @BeforeEach
  void setUp() throws Exception {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .load(getClass().getResourceAsStream("/META-INF/fabric8/pmemnodes.daxtier.io-v1.yml"))
        .createOr(r -> r.update());
    dir = Files.createTempDirectory(Path.of("/tmp"), "dt"); // short: Unix socket paths
    stateDir = dir.resolve("state");
    kubelet = new FakeKubelet(dir).start();
    plugins = new DevicePluginManager(dir, failure -> {});
    URI master = URI.create(client.getConfiguration().getMasterUrl());
    proxy = new ApiProxy(master.getPort());
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(master.getScheme() + "://" + master.getHost() + ":" + proxy.port())
            .withTrustCerts(true)
            .withNamespace("default")
            .withRequestRetryBackoffLimit(0)
            .withConnectionTimeout(1000)
            .withRequestTimeout(2000)
            .withWatchReconnectInterval(100)
            .build();
    agentClient = new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The agent as RunCommand builds it in cluster mode, with short retries. */
  private void startAgent() {
    source = new PmemNodeSource(agentClient, "node-a", new DesiredStateCache(stateDir));
    writer =
        new PmemNodeStatusWriter(
            agentClient,
            "node-a",
            "default",
            clock,
            metrics,
            Duration.ofMillis(100),
            Duration.ofMillis(400));
    loop =
        new AgentLoop(
            new NodeReconciler(kernel, new SimulatedNdctl(kernel), clock),
            source,
            writer,
            new CapacityAdvertiser(plugins::update),
            metrics,
            clock);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (loop != null) {
      loop.close();
    }
    agentClient.close();
    proxy.close();
    plugins.close();
    kubelet.close();
    client.resources(PmemNode.class).withName("node-a").delete();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private PmemNode node(NodePool... pools) {
    PmemNode n = new PmemNode();
    n.setMetadata(new ObjectMetaBuilder().withName("node-a").build());
    n.getSpec().pools = List.of(pools);
    return n;
  }

  private PmemNode stored() {
    return client.resources(PmemNode.class).withName("node-a").get();
  }

  @Test
  void startsOnTheCachedDesiredStateWithoutTheApiServerAndWritesStatusWhenItIsBack()
      throws Exception {
    PmemNode created = client.resource(node(Pools.systemRam("tier"))).create();
    Long generation = created.getMetadata().getGeneration();
    new DesiredStateCache(stateDir)
        .save(new DesiredState(List.of(Pools.systemRam("tier")), generation));
    // The API server is unreachable from the agent's start on.
    startAgent();

    assertThat(loop.runOnce()).isPresent();

    PluginConnection plugin = kubelet.awaitPlugin("daxtier.io/pmem");
    plugin.awaitList(devices -> devices.size() == 7);
    assertThat(loop.degraded()).hasValueSatisfying(d -> assertThat(d).contains("API unreachable"));
    assertThat(stored().getStatus())
        .satisfiesAnyOf(s -> assertThat(s).isNull(), s -> assertThat(s.pools).isNullOrEmpty());

    proxy.up();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(stored().getStatus()).isNotNull();
              assertThat(stored().getStatus().pools)
                  .singleElement()
                  .satisfies(p -> assertThat(p.phase).isEqualTo(PoolPhase.Ready));
            });
    assertThat(stored().getStatus().observedGeneration).isEqualTo(generation);
    await().atMost(Duration.ofSeconds(30)).until(() -> loop.degraded().isEmpty());
  }

  @Test
  void withoutTheApiServerAndWithoutACacheTheAgentChangesNothingAndKeepsRetrying()
      throws Exception {
    client.resource(node(Pools.systemRam("tier"))).create();
    startAgent();

    assertThat(loop.runOnce()).isEmpty();
    assertThat(kernel.writes()).isEmpty();
    assertThat(loop.live(Duration.ofSeconds(30), clock.instant())).isTrue();
    assertThat(loop.degraded()).isPresent();

    proxy.up(); // the informer lists in the background: the spec arrives and is cached
    await().atMost(Duration.ofSeconds(30)).until(() -> source.current().isPresent());
    assertThat(loop.runOnce()).isPresent();
    assertThat(new DesiredStateCache(stateDir).load()).isPresent();
  }

  @Test
  void poisonDuringAnOutageIsRetiredAdvertisedAndReportedWhenTheApiServerReturns()
      throws Exception {
    proxy.up();
    client.resource(node(Pools.systemRam("tier"))).create();
    startAgent();
    assertThat(source.awaitReady(Duration.ofSeconds(10))).isTrue();
    loop.runOnce();
    PluginConnection plugin = kubelet.awaitPlugin("daxtier.io/pmem");
    plugin.awaitList(devices -> devices.size() == 7);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stored().getStatus() != null && stored().getStatus().pools != null);
    assertThat(Files.exists(stateDir.resolve(DesiredStateCache.FILE))).isTrue();

    proxy.down();
    kernel.clearWrites();
    kernel.addBadBlock("region0", 0x80000, 8); // inside an onlined block of dax0.0
    clock.advance(Duration.ofSeconds(30));
    assertThat(loop.runOnce()).isPresent();

    assertThat(kernel.acceptedWrites())
        .extracting(w -> w.path() + " <- " + w.value())
        .containsExactly("/sys/devices/system/memory/hard_offline_page <- 0x110000000");
    // The retired page is gone from the page allocator: the units stay advertised and healthy, and
    // the node's corrupted memory is updated.
    assertThat(metrics.meters().find("daxtier_hardware_corrupted_bytes").gauge().value())
        .isEqualTo(4096.0);
    assertThat(plugin.latest().orElseThrow().getDevicesList())
        .hasSize(7)
        .allSatisfy(d -> assertThat(d.getHealth()).isEqualTo("Healthy"));
    // Passes go on during the outage; only the latest status is written afterwards.
    clock.advance(Duration.ofSeconds(30));
    assertThat(loop.runOnce()).isPresent();
    await().atMost(Duration.ofSeconds(10)).until(() -> loop.degraded().isPresent());
    assertThat(stored().getStatus().devices.get(0).retiredPages).isNull(); // not written yet

    proxy.up();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(stored().getStatus()).isNotNull();
              assertThat(stored().getStatus().heartbeat).isEqualTo("2026-11-25T04:01:00Z");
              // (The mock API server appends lists on a merge patch: the newest entry counts.)
              assertThat(stored().getStatus().devices)
                  .last()
                  .satisfies(d -> assertThat(d.retiredPages).isEqualTo(1L));
            });
    assertThat(
            metrics.meters().find("daxtier_agent_status_write_failures").counters().stream()
                .mapToDouble(c -> c.count())
                .sum())
        .isPositive();
  }

  @Test
  void livenessStaysOkDuringAnOutageWhileReadinessReportsDegraded() throws Exception {
    proxy.up();
    client.resource(node(Pools.systemRam("tier"))).create();
    startAgent();
    assertThat(source.awaitReady(Duration.ofSeconds(10))).isTrue();
    Duration every = Duration.ofSeconds(30);
    try (HealthServer health =
        new HealthServer(
                new InetSocketAddress("127.0.0.1", 0),
                metrics::scrape,
                () -> loop.live(every, clock.instant()),
                loop::ready,
                HealthServer.DEFAULT_DEADLINE)
            .degradedWhen(loop::degraded)) {
      loop.runOnce();
      await().atMost(Duration.ofSeconds(10)).until(() -> !writer.hasPending());
      await().atMost(Duration.ofSeconds(10)).until(() -> loop.degraded().isEmpty());
      assertThat(get(health, "/readyz")).isEqualTo("200 ready\n");

      proxy.down();
      for (int i = 0; i < 4; i++) { // passes on schedule, for longer than three intervals
        clock.advance(every);
        assertThat(loop.runOnce()).isPresent();
        assertThat(get(health, "/healthz")).isEqualTo("200 ok\n");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> loop.degraded().isPresent());
      assertThat(get(health, "/healthz")).isEqualTo("200 ok\n");
      assertThat(get(health, "/readyz")).startsWith("503 degraded: API unreachable");

      proxy.up();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(get(health, "/readyz")).isEqualTo("200 ready\n"));
    }
  }

  @Test
  void aStatusWriteRefusedByAdmissionIsCountedLoggedAndThePassesGoOn() throws Exception {
    proxy.up();
    client.resource(node(Pools.systemRam("tier"))).create();
    server
        .expect()
        .patch()
        .withPath("/apis/daxtier.io/v1alpha1/pmemnodes/node-a/status")
        .andReturn(
            422,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Invalid")
                .withCode(422)
                .withMessage("denied by an admission policy")
                .build())
        .once();
    startAgent();
    assertThat(source.awaitReady(Duration.ofSeconds(10))).isTrue();

    assertThat(loop.runOnce()).isPresent();
    assertThat(writer.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(writer.drain(Duration.ofSeconds(10))).isTrue(); // the Event too

    assertThat(
            metrics
                .meters()
                .find("daxtier_agent_status_writes_refused")
                .tag("code", "422")
                .counter())
        .isNotNull()
        .satisfies(c -> assertThat(c.count()).isEqualTo(1.0));
    assertThat(writer.hasPending()).isFalse(); // not retried
    assertThat(loop.degraded()).isEmpty(); // the API server answered
    assertThat(client.v1().events().inNamespace("default").list().getItems())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("StatusRefused"));

    clock.advance(Duration.ofSeconds(30));
    assertThat(loop.runOnce()).isPresent();
    assertThat(writer.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(stored().getStatus().heartbeat).isEqualTo("2026-11-25T04:00:30Z");
    kubelet.awaitPlugin("daxtier.io/pmem").awaitList(devices -> devices.size() == 7);
  }

  private static String get(HealthServer health, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }
}
