package io.daxtier.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ResourceSpec;
import io.daxtier.operator.cluster.Leadership;
import io.daxtier.operator.cluster.NodePatcher;
import io.daxtier.operator.render.DrainRecords;
import io.daxtier.testkit.mock.PodsByNodeDispatcher;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two operator instances with leader election on one mock API server. The leader's lease renewals
 * are cut in the middle of a pool release (a partition between it and the Lease: its other writes
 * still go through); the standby takes the Lease after the lease duration and finishes the release.
 * Every write of each instance is recorded at its HTTP client: none of the old leader's may be sent
 * once the new one holds the Lease, and never more than maxUnavailable nodes release at once.
 */
@EnableKubernetesMockClient(crud = true)
class OneLeaderTest {
  static KubernetesClient client;
  static KubernetesMockServer server;
  static final String LEASE_NS = "daxtier-system";
  static final String POOL = "lead-pool";
  static final List<String> NODES = List.of("l1", "l2", "l3", "l4", "l5", "l6");
  static final Duration LEASE = Duration.ofMillis(3000); // renew deadline 2s, renewals every 400ms
  static final Duration AGENT_DELAY = Duration.ofMillis(700);

  final List<AutoCloseable> closing = new ArrayList<>();

  /**
   * What one instance's client sent: every write (lease writes apart), and a switch to cut those.
   */
  static final class Recorder implements Interceptor {
    record Write(long at, String method, String path) {}

    final List<Write> writes = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong firstLeaseWrite = new AtomicLong(Long.MAX_VALUE);
    volatile long leaseWriteStarted; // an elector's lease writes are one at a time
    volatile boolean leaseCut;

    private static boolean lease(HttpRequest r) {
      return r.uri().getPath().contains("/leases/") || r.uri().getPath().endsWith("/leases");
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      if ("GET".equals(request.method())) {
        return;
      }
      long now = System.nanoTime();
      if (!lease(request)) {
        writes.add(new Write(now, request.method(), request.uri().getPath()));
      } else if (leaseCut) { // to a Lease that does not exist: the renewal fails with a 404
        builder.uri(URI.create(request.uri().toString().replace("/leases/", "/leases/cut-")));
      } else {
        leaseWriteStarted = now;
      }
    }

    @Override
    public void after(
        HttpRequest request,
        HttpResponse<?> response,
        AsyncBody.Consumer<List<ByteBuffer>> consumer) {
      if (!"GET".equals(request.method()) && lease(request) && response.code() / 100 == 2) {
        firstLeaseWrite.accumulateAndGet(leaseWriteStarted, Math::min);
      }
    }
  }

  record Instance(DaxtierOperator.Handle handle, Recorder recorder) {}

  private Instance start(String identity) {
    Recorder recorder = new Recorder();
    KubernetesClient own =
        new KubernetesClientBuilder()
            .withConfig(client.getConfiguration())
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("recorder", recorder))
            .build();
    closing.add(own);
    OperatorConfig config =
        OperatorConfig.fromEnvironment(Map.of())
            .withLeaderElection(true, LEASE_NS, identity)
            .withLeaseDuration(LEASE)
            .withHttpPort(0)
            .withDrainPoll(Duration.ofMillis(200));
    DaxtierOperator.Handle handle = DaxtierOperator.start(own, config);
    closing.add(0, handle);
    return new Instance(handle, recorder);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  @Test
  void aLeaderThatLosesTheLeaseMidReleaseStopsWritingAndTheNewOneFinishes() throws Exception {
    PodsByNodeDispatcher.allowLeases(server);
    Cluster cluster = new Cluster(client);
    cluster.installCrds();
    Instance a = start("op-a");
    await().atMost(Duration.ofSeconds(20)).until(() -> "op-a".equals(holder()));
    Instance b = start("op-b");

    for (String n : NODES) {
      cluster.node(n, Map.of("team", "lead"));
    }
    cluster.pool(POOL, Map.of("team", "lead"), offline("example.com/lead", 1));
    for (String n : NODES) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> cluster.has(n, POOL, NodePoolState.Active));
    }

    Sampler sampler = new Sampler();
    sampler.start();
    client.resources(PmemPool.class).withName(POOL).delete();
    Agent agent = new Agent(cluster);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> agent.step() >= 2); // two nodes released under op-a

    a.recorder().leaseCut = true; // op-a can no longer renew; its other writes still go through
    long cutAt = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> agent.step() >= 0 && cluster.pool(POOL).isEmpty());
    sampler.stop();

    long takeover = b.recorder().firstLeaseWrite.get();
    assertThat(takeover).as("op-b took the lease").isNotEqualTo(Long.MAX_VALUE);
    assertThat(takeover - cutAt).as("op-b waited for the lease to expire").isPositive();
    assertThat(agent.releasedBefore(takeover))
        .as("the leader changed in the middle of the release")
        .isBetween(2, NODES.size() - 1);
    List<Recorder.Write> late =
        a.recorder().writes.stream().filter(w -> w.at() >= takeover).toList();
    assertThat(late).as("writes of op-a after op-b took the lease").isEmpty();
    assertThat(b.recorder().writes).anyMatch(w -> w.at() > takeover);
    assertThat(sampler.max.get()).as("most nodes releasing at once").isEqualTo(1);

    assertThat(a.handle().leadership().state()).isEqualTo(Leadership.State.LOST);
    assertThat(b.handle().leadership().state()).isEqualTo(Leadership.State.LEADING);
    assertThat(status(a.handle(), "/healthz")).isEqualTo(503);
    assertThat(status(b.handle(), "/healthz")).isEqualTo(200);
    assertThat(status(b.handle(), "/readyz")).isEqualTo(200);
    for (String n : NODES) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !NodePatcher.unschedulable(cluster.getNode(n)));
      assertThat(cluster.entry(n, POOL)).isEmpty();
    }
  }

  private static String holder() {
    Lease l = client.leases().inNamespace(LEASE_NS).withName("daxtier-operator").get();
    return l == null ? null : l.getSpec().getHolderIdentity();
  }

  private static int status(DaxtierOperator.Handle h, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    URI.create("http://localhost:" + h.httpPort() + path))
                .method("GET", BodyPublishers.noBody())
                .build(),
            java.net.http.HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static java.util.function.Consumer<PmemPool> offline(String resource, int max) {
    return p -> {
      p.getSpec().release.action = ReleaseAction.Offline;
      p.getSpec().release.maxUnavailable = max;
      p.getSpec().resource = new ResourceSpec();
      p.getSpec().resource.name = resource;
    };
  }

  /** Nodes of the pool being released (draining or in state Release), from one list call. */
  private static int releasing() {
    int n = 0;
    for (PmemNode pn : client.resources(PmemNode.class).list().getItems()) {
      boolean release =
          pn.getSpec().pools.stream()
              .anyMatch(e -> e.name.equals(POOL) && e.state == NodePoolState.Release);
      Map<String, String> ann = pn.getMetadata().getAnnotations();
      boolean draining =
          ann != null && ann.getOrDefault(DrainRecords.ANNOTATION, "").contains(POOL + "=");
      if (release || draining) {
        n++;
      }
    }
    return n;
  }

  /** Watches how many nodes release at once, every few milliseconds. */
  static final class Sampler {
    final AtomicInteger max = new AtomicInteger();
    volatile boolean running = true;
    final Thread thread = new Thread(this::run, "release-sampler");

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join();
    }

    private void run() {
      while (running) {
        max.accumulateAndGet(releasing(), Math::max);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** The simulated node agents: each reports Released a while after its node entered Release. */
  static final class Agent {
    final Cluster cluster;
    final Map<String, Long> seen = new HashMap<>();
    final Map<String, Long> released = new ConcurrentHashMap<>();

    Agent(Cluster cluster) {
      this.cluster = cluster;
    }

    /** Looks once; returns how many nodes reported Released so far. */
    int step() {
      long now = System.nanoTime();
      for (String n : NODES) {
        if (released.containsKey(n)) {
          continue;
        }
        NodePool e = cluster.entry(n, POOL).orElse(null);
        if (e == null || e.state != NodePoolState.Release) {
          continue;
        }
        long first = seen.computeIfAbsent(n, k -> now);
        if (now - first >= AGENT_DELAY.toNanos()) {
          cluster.agentReports(n, POOL, PoolPhase.Released, null, null);
          released.put(n, now);
        }
      }
      return released.size();
    }

    int releasedBefore(long t) {
      return (int) released.values().stream().filter(at -> at < t).count();
    }
  }
}
