package io.daxtier.sandbox;

import io.daxtier.agent.cluster.NodeLease;
import io.daxtier.agent.cluster.PmemNodeStatusWriter;
import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.NumaNodeStatus;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ResourceStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady-state benchmark (bench/steady-state.sh): N simulated nodes on the embedded API server,
 * each with the agent's real status writer (a pass every interval handing over an unchanged status
 * with a fresh heartbeat) and the agent's real node Lease renewer (every 10 s), plus the real
 * operator in its own JVM (so its CPU is its own). After every node's status and Lease are written
 * and the pool aggregated, it counts, for a window, the PmemNode writes, the Lease writes and the
 * request bytes the API server received, and the operator's CPU time.
 */
public final class SteadyStateBench {
  private static final String NS = "daxtier-system";
  private static final String POOL = "steady";

  private SteadyStateBench() {}

  /** Arguments: [nodes] [window seconds] [pass interval seconds]. */
  @SuppressWarnings("checkstyle:regexp")
  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int windowS = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    int intervalS = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    Process operator = null;
    try (EmbeddedApiServer api = EmbeddedApiServer.start(0)) {
      KubernetesMockServer server = api.mockServer();
      KubernetesClient client = api.client();
      long t0 = System.nanoTime();
      populate(client, nodes);
      say("populated %d nodes and one pool in %.1f s", nodes, secondsSince(t0));
      Path kubeconfig =
          api.writeKubeconfig(
              Files.createTempFile("daxtier-steady", ".kubeconfig"), api.clientUrl());
      operator = startOperator(kubeconfig);
      waitFor(() -> client.resources(PmemNode.class).list().getItems().size(), nodes, 600);
      say("operator rendered %d PmemNodes after %.1f s", nodes, secondsSince(t0));

      // the simulated agents: status writers and Lease renewers only, threads shared
      ScheduledExecutorService passes = Executors.newScheduledThreadPool(2, daemon("passes"));
      ScheduledExecutorService writes = Executors.newScheduledThreadPool(4, daemon("status"));
      ScheduledExecutorService renewals = Executors.newScheduledThreadPool(8, daemon("lease"));
      List<PmemNodeStatusWriter> writers = new ArrayList<>();
      List<NodeLease> leases = new ArrayList<>();
      Clock clock = Clock.systemUTC();
      AgentMetrics metrics = new AgentMetrics();
      for (int i = 0; i < nodes; i++) {
        String node = name(i);
        PmemNodeStatusWriter w =
            new PmemNodeStatusWriter(
                client,
                node,
                NS,
                clock,
                metrics,
                PmemNodeStatusWriter.FIRST_RETRY,
                PmemNodeStatusWriter.MAX_RETRY,
                PmemNodeStatusWriter.FULL_REFRESH,
                writes);
        writers.add(w);
        long phase = ThreadLocalRandom.current().nextLong(intervalS * 1000L);
        passes.scheduleAtFixedRate(
            () -> w.write(status(clock)), phase, intervalS * 1000L, TimeUnit.MILLISECONDS);
        leases.add(
            new NodeLease(client, NS, node, clock, NodeLease.RENEW_EVERY, renewals)
                .start(
                    Duration.ofMillis(
                        ThreadLocalRandom.current().nextLong(NodeLease.RENEW_EVERY.toMillis()))));
      }
      waitFor(() -> writers.stream().mapToLong(PmemNodeStatusWriter::writes).sum(), nodes, 600);
      waitFor(() -> leases.stream().mapToLong(NodeLease::renewals).sum(), nodes, 600);
      say("every status and Lease written after %.1f s", secondsSince(t0));
      // let the operator aggregate what it was sent, then measure from a clean slate
      Thread.sleep(Math.max(5_000, intervalS * 1000L));
      drain(server);
      long cpu0 = cpuTicks(operator.pid());
      long w0 = System.nanoTime();
      Counts counts = new Counts();
      long end = w0 + TimeUnit.SECONDS.toNanos(windowS);
      while (System.nanoTime() < end) {
        Thread.sleep(200);
        counts.take(server);
      }
      double window = (System.nanoTime() - w0) / 1e9;
      long cpu1 = cpuTicks(operator.pid());
      counts.take(server);
      double operatorCpuS = (cpu1 - cpu0) / 100.0;
      say("requests in the window: %s; a write: %s", counts.byKind, counts.sample);
      PmemPool pool = client.resources(PmemPool.class).withName(POOL).get();
      say(
          "pool %s: matched %s, ready %s, stale %s; agents' unchanged statuses skipped: %d",
          POOL,
          pool.getStatus() == null ? null : pool.getStatus().matchedNodes,
          pool.getStatus() == null ? null : pool.getStatus().readyNodes,
          pool.getStatus() == null ? null : pool.getStatus().staleNodes,
          writers.stream().mapToLong(PmemNodeStatusWriter::unchanged).sum());
      say(
          "window %.0f s, pass interval %d s, operator CPU %.1f s",
          window, intervalS, operatorCpuS);
      System.out.printf(
          Locale.ROOT,
          "nodes=%d pmemnode_writes_per_node_per_5min=%.3f lease_writes_per_s=%.1f"
              + " operator_cpu_pct=%.2f api_bytes_per_s=%.0f%n",
          nodes,
          counts.pmemNodeWrites / (double) nodes / (window / 300.0),
          counts.leaseWrites / window,
          100.0 * operatorCpuS / window,
          counts.bytes / window);
      leases.forEach(NodeLease::close);
      writers.forEach(PmemNodeStatusWriter::close);
      passes.shutdownNow();
      writes.shutdownNow();
      renewals.shutdownNow();
    } finally {
      if (operator != null) {
        operator.destroy();
        operator.waitFor(10, TimeUnit.SECONDS);
      }
    }
    System.exit(0);
  }

  /** What the API server received, by verb and resource, and the writes that matter here. */
  private static final class Counts {
    final Map<String, Long> byKind = new TreeMap<>();
    long pmemNodeWrites;
    long leaseWrites;
    long bytes;
    String sample;

    void take(KubernetesMockServer server) throws InterruptedException {
      RecordedRequest r;
      while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
        String path = r.getPath();
        String method = r.getMethod();
        boolean write = !"GET".equals(method);
        // request line, headers and body as received (responses and watch events not counted)
        long body = r.getBody() == null ? 0 : r.getBody().size();
        String length = r.getHeader("Content-Length");
        if (body == 0 && length != null) {
          body = Long.parseLong(length.trim()); // the mock does not keep bodies it dispatched
        }
        long headers = 0;
        for (Map.Entry<String, List<String>> h : r.getHeaders().toMultimap().entrySet()) {
          for (String v : h.getValue()) {
            headers += h.getKey().length() + v.length() + 4; // "name: value\r\n"
          }
        }
        bytes += r.getRequestLine().length() + 2 + headers + 2 + body;
        if (sample == null && write) {
          sample =
              String.format(
                  Locale.ROOT, "%s: headers %d B, body %d B", r.getRequestLine(), headers, body);
        }
        String kind =
            path.contains("/pmemnodes")
                ? "pmemnodes"
                : path.contains("/leases")
                    ? "leases"
                    : path.contains("/pmempools") ? "pmempools" : "other";
        if (write && kind.equals("pmemnodes")) {
          pmemNodeWrites++;
        }
        if (write && kind.equals("leases")) {
          leaseWrites++;
        }
        byKind.merge(
            method + " " + kind + (path.contains("watch=true") ? "?watch" : ""), 1L, Long::sum);
      }
    }
  }

  private static PmemNodeStatus status(Clock clock) {
    PmemNodeStatus s = new PmemNodeStatus();
    s.observedGeneration = 1L;
    s.heartbeat = clock.instant().toString();
    DeviceStatus d = new DeviceStatus();
    d.name = "dax0.0";
    d.region = "region0";
    d.size = 1L << 30;
    d.targetNode = 1;
    d.pool = POOL;
    d.phase = DevicePhase.Online;
    d.reason = "Online";
    d.blocksTotal = 8;
    d.blocksOnline = 8;
    d.zone = io.daxtier.api.v1alpha1.Zone.Movable;
    s.devices.add(d);
    for (int n = 0; n < 2; n++) {
      NumaNodeStatus ns = new NumaNodeStatus();
      ns.id = n;
      ns.memTotalBytes = n == 0 ? 8L << 30 : 1L << 30;
      ns.memFreeBytes = ThreadLocalRandom.current().nextLong(1L << 29); // moves every pass
      ns.hasCpu = n == 0;
      s.numaNodes.add(ns);
    }
    NodePoolStatus ps = new NodePoolStatus();
    ps.name = POOL;
    ps.observedGeneration = 1L;
    ps.phase = PoolPhase.Ready;
    ps.reason = "Converged";
    ps.devices = 1;
    ps.devicesReady = 1;
    ps.onlineBytes = 1L << 30;
    ps.healthyBytes = 1L << 30;
    s.pools.add(ps);
    ResourceStatus rs = new ResourceStatus();
    rs.name = "daxtier.io/pmem";
    rs.pool = POOL;
    rs.capacity = 1;
    rs.healthy = 1;
    s.resources.add(rs);
    s.onlineBytes = 1L << 30;
    s.onlineCapacity = "1Gi";
    s.devicesSummary = "1/1";
    for (String[] c :
        new String[][] {
          {"Ready", "True", "Converged"},
          {"Degraded", "False", "Healthy"},
          {"PolicyBlocked", "False", "None"}
        }) {
      s.conditions.add(
          new ConditionBuilder()
              .withType(c[0])
              .withStatus(c[1])
              .withReason(c[2])
              .withMessage("")
              .withLastTransitionTime("2026-12-01T00:00:00Z")
              .build());
    }
    return s;
  }

  private static Process startOperator(Path kubeconfig) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    File log = Files.createTempFile("daxtier-steady-operator", ".log").toFile();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(
        List.of(System.getProperty("bench.operator.opts", "-Xmx1g -XX:+UseParallelGC").split(" ")));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.daxtier.operator.Main"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("POD_NAMESPACE", NS);
    pb.environment().put("DAXTIER_LEADER_ELECTION", "false");
    pb.environment().put("DAXTIER_HTTP_PORT", "-1");
    pb.environment().put("DAXTIER_EVENT_NAMESPACE", NS);
    pb.environment().putIfAbsent("DAXTIER_LOG_LEVEL", "WARN");
    Process p = pb.start();
    say("operator pid %d, log %s", p.pid(), log);
    return p;
  }

  /** utime + stime of a process, in clock ticks (USER_HZ, 100 on Linux). */
  private static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static void populate(KubernetesClient client, int nodes) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        String name = name(i);
        done.add(
            pool.submit(
                () ->
                    client
                        .resource(
                            new NodeBuilder()
                                .withNewMetadata()
                                .withName(name)
                                .withLabels(Map.of("bench", "steady"))
                                .endMetadata()
                                .build())
                        .create()));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    PmemPool p = new PmemPool();
    p.setMetadata(new ObjectMetaBuilder().withName(POOL).build());
    p.getSpec().nodeSelector =
        new LabelSelectorBuilder().withMatchLabels(Map.of("bench", "steady")).build();
    p.getSpec().devices.daxDevices = List.of("dax0.0");
    client.resource(p).create();
  }

  private static String name(int i) {
    return String.format(Locale.ROOT, "node-%05d", i);
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, "bench-" + prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static void waitFor(java.util.function.LongSupplier value, long target, int timeoutS)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
    while (value.getAsLong() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out at " + value.getAsLong() + " of " + target);
      }
      Thread.sleep(500);
    }
  }

  private static void drain(KubernetesMockServer server) throws InterruptedException {
    while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) {
      // what happened before the window
    }
  }

  private static double secondsSince(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  @SuppressWarnings("checkstyle:regexp")
  private static void say(String format, Object... args) {
    System.out.println("# " + String.format(Locale.ROOT, format, args));
  }
}
