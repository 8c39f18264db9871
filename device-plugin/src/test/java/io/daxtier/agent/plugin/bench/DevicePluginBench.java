package io.daxtier.agent.plugin.bench;

import io.daxtier.agent.plugin.DevicePluginManager;
import io.daxtier.agent.plugin.PluginOptions;
import io.daxtier.agent.plugin.allocation.AdvertisedResource;
import io.daxtier.agent.plugin.allocation.NumaCapacity;
import io.daxtier.api.v1alpha1.TopologyMode;
import io.daxtier.testkit.kubelet.FakeKubelet;
import io.daxtier.testkit.kubelet.PluginConnection;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Benchmark harness (not a test): the device plugin against the fake kubelet over real Unix
 * sockets. Prints Allocate latency percentiles and the latency from a capacity change ({@code
 * update}) to the kubelet receiving the new ListAndWatch list, then one summary line. Run it with
 * {@code bench/device-plugin.sh}.
 */
public final class DevicePluginBench {
  private static final String RESOURCE = "daxtier.io/pmem";
  private static final long GI = 1L << 30;
  private static final int NODES = 4;
  private static final int UNITS_PER_NODE = 64;

  private DevicePluginBench() {}

  public static void main(String[] args) throws IOException {
    int allocations = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
    int updates = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Path dir = Files.createTempDirectory("dpbench");
    try (FakeKubelet kubelet = new FakeKubelet(dir).start();
        DevicePluginManager plugin =
            new DevicePluginManager(dir, PluginOptions.defaults(), f -> fail(f.toString()))) {
      plugin.update(List.of(resource(UNITS_PER_NODE)));
      PluginConnection conn = kubelet.awaitPlugin(RESOURCE);
      long listedAfterStartMs = ManagementFactory.getRuntimeMXBean().getUptime();
      System.out.printf(
          Locale.ROOT,
          "startup: registered and first list received %d ms after JVM start, VmRSS %s"
              + " (plugin + fake kubelet in one JVM, nothing else)%n",
          listedAfterStartMs,
          rss());

      List<String> ids = List.of("node2-0000", "node2-0001", "node3-0005", "node3-0006");
      for (int i = 0; i < Math.max(20_000, allocations / 5); i++) {
        conn.allocate(ids); // warm-up: JIT, buffers
      }
      long cpu0 = processCpuNanos();
      double[] allocate = measureAllocate(conn, ids, allocations);
      double cpuPerAllocateUs = (processCpuNanos() - cpu0) / 1e3 / allocations;
      double[] update = measureUpdates(plugin, conn, updates);

      System.out.printf(
          Locale.ROOT,
          "devices=%d allocate: n=%d p50=%.3f ms p90=%.3f ms p99=%.3f ms max=%.3f ms%n",
          NODES * UNITS_PER_NODE,
          allocations,
          pct(allocate, 50),
          pct(allocate, 90),
          pct(allocate, 99),
          pct(allocate, 100));
      System.out.printf(
          Locale.ROOT,
          "allocate CPU (plugin + fake kubelet + client, whole process): %.1f us per call%n",
          cpuPerAllocateUs);
      System.out.printf(
          Locale.ROOT,
          "capacity change -> ListAndWatch: n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms%n",
          updates,
          pct(update, 50),
          pct(update, 99),
          pct(update, 100));
      System.out.printf(
          Locale.ROOT,
          "allocate_p50_ms=%.3f allocate_p99_ms=%.3f update_ms=%.3f%n",
          pct(allocate, 50),
          pct(allocate, 99),
          pct(update, 99));
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /** Allocate calls of four units from two nodes, one at a time, as the kubelet sends them. */
  private static double[] measureAllocate(PluginConnection conn, List<String> ids, int n) {
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      conn.allocate(ids);
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    return ms;
  }

  /** Alternately grow and shrink node 2 by one unit; time until the kubelet has the new list. */
  private static double[] measureUpdates(DevicePluginManager plugin, PluginConnection conn, int n) {
    double[] ms = new double[n];
    for (int i = -20; i < n; i++) {
      int before = conn.received().size();
      int units = UNITS_PER_NODE + ((i & 1) == 0 ? 1 : 0);
      long t0 = System.nanoTime();
      plugin.update(List.of(resource(units)));
      long deadline = t0 + 5_000_000_000L;
      List<PluginConnection.Received> got;
      while ((got = conn.received()).size() <= before) {
        if (System.nanoTime() > deadline) {
          fail("no ListAndWatch update within 5 s");
        }
        LockSupport.parkNanos(20_000);
      }
      double latency = (got.get(before).nanoTime() - t0) / 1e6;
      if (i >= 0) {
        ms[i] = latency; // the first 20 rounds warm up
      }
    }
    return ms;
  }

  private static String rss() throws IOException {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines
          .filter(l -> l.startsWith("VmRSS:"))
          .map(l -> l.substring(6).trim())
          .findFirst()
          .orElse("unknown");
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static AdvertisedResource resource(int unitsOnNode2) {
    List<NumaCapacity> nodes = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      int units = n == 0 ? unitsOnNode2 : UNITS_PER_NODE;
      nodes.add(NumaCapacity.healthy(n + 2, units * GI, n % 2));
    }
    return AdvertisedResource.systemRam(RESOURCE, "bench", GI, TopologyMode.NumaNode, nodes);
  }

  private static double pct(double[] values, int percentile) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int idx = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  private static void fail(String message) {
    throw new IllegalStateException(message);
  }
}
