package io.daxtier.operator.bench;

import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.ResourceSpec;
import io.daxtier.operator.Cluster;
import io.daxtier.operator.DaxtierOperator;
import io.daxtier.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Scale benchmark (bench/operator-scale.sh): N Nodes and P pools that all select every node on the
 * Fabric8 CRUD mock server, in this JVM. Prints the time until every PmemNode carries every pool as
 * seen by the operator's cache (render_s), the API writes of a second operator started on the
 * settled cluster (noop_writes, counted at the server), and the heap the operator retains
 * (heap_mib: heap after GC with the operator running minus after it stopped; the mock server's
 * store stays in both).
 */
public final class OperatorScaleBench {
  private OperatorScaleBench() {}

  /** Arguments: [nodes] [pools]. */
  @SuppressWarnings("checkstyle:regexp")
  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int pools = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesMixedDispatcher(new HashMap<>()),
            false);
    server.init();
    try (KubernetesClient client = server.createClient()) {
      new Cluster(client).installCrds();
      populate(client, nodes, pools);
      drain(server);
      OperatorConfig config = OperatorConfig.fromEnvironment(System.getenv()).embedded();

      long t0 = System.nanoTime();
      DaxtierOperator.Handle first = DaxtierOperator.start(client, config);
      System.out.printf(
          Locale.ROOT, "# operator started after %.1f s%n", (System.nanoTime() - t0) / 1e9);
      waitFor(() -> rendered(first, pools) >= nodes ? 1 : 0, 1, 600);
      double renderS = (System.nanoTime() - t0) / 1e9;
      long firstWrites = settle(first::apiWrites);
      System.out.printf(
          Locale.ROOT,
          "# render done: %.1f s, %d writes by the first operator%n",
          renderS,
          firstWrites);
      first.stop();

      drain(server);
      DaxtierOperator.Handle second = DaxtierOperator.start(client, config);
      waitFor(second::nodeRenders, nodes, 600);
      waitFor(second::poolAggregations, pools, 600);
      settle(() -> second.nodeRenders() + second.poolAggregations());
      long serverWrites = writes(server);
      System.out.printf(
          Locale.ROOT,
          "# no-op pass: %d node renders, %d pool aggregations, %d writes counted by the operator%n",
          second.nodeRenders(),
          second.poolAggregations(),
          second.apiWrites());
      long withOperator = heapAfterGc();
      second.stop();
      long without = heapAfterGc();
      System.out.printf(
          Locale.ROOT,
          "# heap after GC: %d MiB with the operator, %d MiB without (mock server store)%n",
          withOperator >> 20,
          without >> 20);
      System.out.printf(
          Locale.ROOT,
          "nodes=%d pools=%d render_s=%.1f noop_writes=%d heap_mib=%d%n",
          nodes,
          pools,
          renderS,
          serverWrites,
          Math.max(0, withOperator - without) >> 20);
    } finally {
      server.destroy();
    }
    System.exit(0);
  }

  private static void populate(KubernetesClient client, int nodes, int pools) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done =
          java.util.stream.IntStream.range(0, nodes)
              .<Future<?>>mapToObj(
                  i ->
                      pool.submit(
                          () ->
                              client
                                  .resource(
                                      new NodeBuilder()
                                          .withNewMetadata()
                                          .withName(String.format(Locale.ROOT, "node-%05d", i))
                                          .withLabels(
                                              Map.of("bench", "yes", "rack", "r" + (i % 50)))
                                          .endMetadata()
                                          .build())
                                  .create()))
              .toList();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    for (int p = 0; p < pools; p++) {
      PmemPool pool1 = new PmemPool();
      pool1.setMetadata(new ObjectMetaBuilder().withName("pool-" + p).build());
      pool1.getSpec().nodeSelector =
          new LabelSelectorBuilder().withMatchLabels(Map.of("bench", "yes")).build();
      pool1.getSpec().devices.daxDevices = List.of("dax" + p + ".0");
      pool1.getSpec().resource = new ResourceSpec();
      pool1.getSpec().resource.name = "daxtier.io/pmem-" + p;
      client.resource(pool1).create();
    }
  }

  private static long rendered(DaxtierOperator.Handle h, int pools) {
    return h.cachedPmemNodes().filter(pn -> poolsOf(pn) >= pools).count();
  }

  private static int poolsOf(PmemNode pn) {
    return pn.getSpec() == null || pn.getSpec().pools == null ? 0 : pn.getSpec().pools.size();
  }

  /** Polls until {@code value} reaches {@code target}. */
  private static void waitFor(LongSupplier value, long target, int timeoutS)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
    while (value.getAsLong() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out at " + value.getAsLong() + " of " + target);
      }
      Thread.sleep(100);
    }
  }

  /** Waits until {@code value} has not changed for two seconds; returns it. */
  private static long settle(LongSupplier value) throws InterruptedException {
    long last = value.getAsLong();
    int still = 0;
    while (still < 20) {
      Thread.sleep(100);
      long now = value.getAsLong();
      still = now == last ? still + 1 : 0;
      last = now;
    }
    return last;
  }

  private static void drain(KubernetesMockServer server) throws InterruptedException {
    while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) {
      // discard what happened before the measured phase
    }
  }

  private static long writes(KubernetesMockServer server) throws InterruptedException {
    long n = 0;
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      if (!"GET".equals(r.getMethod())) {
        System.out.println("# write: " + r.getMethod() + " " + r.getPath());
        n++;
      }
    }
    return n;
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
