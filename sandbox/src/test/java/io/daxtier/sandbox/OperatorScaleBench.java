package io.daxtier.sandbox;

import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.ResourceSpec;
import io.daxtier.operator.DaxtierOperator;
import io.daxtier.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.lang.management.ManagementFactory;
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
 * embedded API server (the sandbox's: Fabric8's CRUD mock with its store indexed by name), in this
 * JVM. Prints the time until every PmemNode carries every pool as seen by the operator's cache
 * (render_s), the API writes of a second operator started on the settled cluster (noop_writes,
 * counted at the server), and the heap the operator retains (heap_mib: heap after GC with the
 * operator running minus after it stopped; the mock server's store stays in both).
 */
public final class OperatorScaleBench {
  private OperatorScaleBench() {}

  /** Arguments: [nodes] [pools]. */
  @SuppressWarnings("checkstyle:regexp")
  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int pools = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    try (EmbeddedApiServer api = EmbeddedApiServer.start(0)) {
      KubernetesMockServer server = api.mockServer();
      KubernetesClient client = api.client();
      long p0 = System.nanoTime();
      populate(client, nodes, pools);
      System.out.printf(
          Locale.ROOT,
          "# populated %d nodes and %d pools in %.1f s%n",
          nodes,
          pools,
          (System.nanoTime() - p0) / 1e9);
      drain(server);
      OperatorConfig config = OperatorConfig.fromEnvironment(System.getenv()).embedded();

      CpuTimes cpu0 = CpuTimes.now();
      long t0 = System.nanoTime();
      DaxtierOperator.Handle first = DaxtierOperator.start(client, config);
      System.out.printf(
          Locale.ROOT, "# operator started after %.1f s%n", (System.nanoTime() - t0) / 1e9);
      waitFor(() -> rendered(first, pools) >= nodes ? 1 : 0, 1, 600);
      double renderS = (System.nanoTime() - t0) / 1e9;
      System.out.println("# cpu until rendered: " + CpuTimes.now().minus(cpu0));
      System.out.printf(
          Locale.ROOT,
          "# work until rendered: %d node renders, %d pool aggregations%n",
          first.nodeRenders(),
          first.poolAggregations());
      System.out.println("# requests until rendered: " + requests(server));
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
      if (!api.storeIndexed()) {
        System.out.println("# the store's name index switched itself off: lookups scanned");
      }
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

  /** Requests received since the last drain, counted by verb and resource (diagnostics). */
  private static Map<String, Integer> requests(KubernetesMockServer server)
      throws InterruptedException {
    Map<String, Integer> byKind = new java.util.TreeMap<>();
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      String path = r.getPath();
      int q = path.indexOf('?');
      String[] parts = (q < 0 ? path : path.substring(0, q)).split("/");
      // /api/v1/nodes[/name[/sub]] or /apis/group/version/plural[/name[/sub]]
      int plural = path.startsWith("/apis/") ? 4 : 3;
      String kind = parts.length > plural ? parts[plural] : path;
      String shape = parts.length > plural + 1 ? "/name" : "";
      if (parts.length > plural + 2) {
        shape += "/" + parts[plural + 2];
      }
      if (q >= 0 && path.contains("watch=true")) {
        shape += "?watch";
      }
      byKind.merge(r.getMethod() + " " + kind + shape, 1, Integer::sum);
    }
    return byKind;
  }

  /**
   * CPU seconds by thread group, from /proc/self/task (diagnostics): the mock server's Vert.x
   * threads, the reconciler executor, the HTTP client (responses, watch events), garbage
   * collection, the JIT compilers, and other threads; "exited" is CPU of threads that ended in
   * between (the process total minus the live threads).
   */
  private record CpuTimes(Map<String, Double> byGroup) {
    private static final double TICK = 100.0; // USER_HZ on Linux

    static CpuTimes now() {
      Map<String, Double> out = new java.util.TreeMap<>();
      double live = 0;
      try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
        for (java.nio.file.Path task : tasks.toList()) {
          try {
            String stat = java.nio.file.Files.readString(task.resolve("stat"));
            String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double s = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICK;
            live += s;
            out.merge(group(comm), s, Double::sum);
          } catch (java.io.IOException | RuntimeException gone) {
            // the thread ended meanwhile
          }
        }
        String[] self =
            java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"))
                .replaceFirst("^.*\\) ", "")
                .split(" ");
        double process = (Long.parseLong(self[11]) + Long.parseLong(self[12])) / TICK;
        out.put("exited", process - live);
        out.put("total", process);
      } catch (java.io.IOException e) {
        out.put("unavailable", 0.0);
      }
      return new CpuTimes(out);
    }

    private static String group(String comm) {
      if (comm.startsWith("vert.x-")) {
        return "server";
      }
      if (comm.startsWith("ReconcilerExec") || comm.matches("pool-\\d+-thread-.*")) {
        return "reconcile";
      }
      if (comm.startsWith("JdkHttpClient")
          || comm.startsWith("HttpClient-")
          || comm.startsWith("ForkJoinPool")) {
        return "client";
      }
      if (comm.startsWith("GC ") || comm.startsWith("VM Thread")) {
        return "gc";
      }
      if (comm.contains("CompilerThre")) {
        return "jit";
      }
      return "other";
    }

    CpuTimes minus(CpuTimes before) {
      Map<String, Double> out = new java.util.TreeMap<>();
      byGroup.forEach((k, v) -> out.put(k, v - before.byGroup.getOrDefault(k, 0.0)));
      return new CpuTimes(out);
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder();
      byGroup.forEach((k, v) -> b.append(String.format(Locale.ROOT, "%s=%.1fs ", k, v)));
      return b.toString().trim();
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
