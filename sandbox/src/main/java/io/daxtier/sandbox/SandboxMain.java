package io.daxtier.sandbox;

import io.daxtier.api.rules.GoDurations;
import io.daxtier.testkit.kubelet.PluginConnection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code java -jar daxtier-sandbox.jar}: the whole system in one JVM, no cluster needed. */
@Command(
    name = "daxtier-sandbox",
    mixinStandardHelpOptions = true,
    description =
        "Runs an embedded Kubernetes API, the daxtier operator and three simulated nodes (agent,"
            + " device plugins, stand-in kubelet) in this JVM, applies the example pools, prints"
            + " their status until they settle, allocates a sample pod request, then keeps"
            + " running for kubectl until --exit-after or Ctrl-C.",
    footer = {
      "",
      "Exit codes: 0 converged as expected (strict Online on sim-node-1 and Blocked on"
          + " sim-node-3, basic Online on sim-node-2); 1 otherwise; 2 bad usage."
    })
public final class SandboxMain implements Callable<Integer> {
  static final String SAMPLE_RESOURCE = "daxtier.io/pmem";

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--exit-after",
      paramLabel = "DURATION",
      description = "Stop after this long (e.g. 90s, 5m); default: run until Ctrl-C.")
  String exitAfter;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "Where to write the kubeconfig (default: ${DEFAULT-VALUE}).")
  Path kubeconfig = Path.of("target/sandbox.kubeconfig");

  @Option(
      names = "--examples",
      paramLabel = "DIR",
      description =
          "The examples directory: *-pool.yaml and simulated-nodes/ (default: ${DEFAULT-VALUE}).")
  Path examples = Path.of("examples");

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      description = "The agents' pass interval (default: ${DEFAULT-VALUE}).")
  String interval = "2s";

  @Option(
      names = "--settle-timeout",
      paramLabel = "DURATION",
      description = "How long to wait for the pools to settle (default: ${DEFAULT-VALUE}).")
  String settleTimeout = "60s";

  /** Held so the level sticks (java.util.logging keeps loggers weakly). */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  @SuppressWarnings("checkstyle:regexp")
  public static void main(String[] args) {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    int code = 1;
    try {
      code = new CommandLine(new SandboxMain()).execute(args);
    } finally {
      // Also after an Error: the embedded server's threads would keep the JVM alive.
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Duration every = duration(interval, "--interval");
    Duration settle = duration(settleTimeout, "--settle-timeout");
    Duration stopAfter = exitAfter == null ? null : duration(exitAfter, "--exit-after");
    if (!examples.resolve("simulated-nodes/secure-server.yaml").toFile().isFile()) {
      err.println(
          "error: "
              + examples.toAbsolutePath()
              + " has no simulated-nodes/secure-server.yaml; run from the repository root or pass"
              + " --examples DIR");
      return 2;
    }
    Instant deadline = stopAfter == null ? null : Instant.now().plus(stopAfter);
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    // Ctrl-C: wake the main thread and let it close everything (sockets, temp dirs) first.
    Thread hook =
        new Thread(
            () -> {
              interrupted.countDown();
              try {
                closed.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "sandbox-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return run(out, err, every, settle, deadline, interrupted);
    } finally {
      closed.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the JVM is already on its way out.
      }
    }
  }

  private int run(
      PrintWriter out,
      PrintWriter err,
      Duration every,
      Duration settle,
      Instant deadline,
      CountDownLatch interrupted)
      throws Exception {
    try (Sandbox sandbox = Sandbox.start(examples, every)) {
      sandbox.api().writeKubeconfig(kubeconfig);
      out.println("daxtier sandbox: API at " + sandbox.api().url());
      out.println(
          "  kubectl --kubeconfig "
              + kubeconfig.toAbsolutePath()
              + " get pmempools,pmemnodes,nodes");
      out.println(
          "  nodes: "
              + Sandbox.SECURE_NODE
              + " (secure DIMMs, strict pool), "
              + Sandbox.BASIC_NODE
              + " (QEMU NVDIMM, basic pool), "
              + Sandbox.INSECURE_NODE
              + " (no DIMM security, strict pool)");
      out.println();
      out.flush();

      boolean settled = watch(sandbox, out, settle, interrupted);
      boolean expected = settled && sandbox.convergedAsExpected();
      out.println(
          expected
              ? "converged as expected: strict Online on "
                  + Sandbox.SECURE_NODE
                  + " and Blocked on "
                  + Sandbox.INSECURE_NODE
                  + ", basic Online on "
                  + Sandbox.BASIC_NODE
              : "NOT converged as expected"
                  + (settled ? "" : " (still converging after " + settleTimeout + ")"));
      if (expected) {
        awaitAdvertised(sandbox, interrupted);
      }
      out.println("node capacity (written by the stand-in kubelets):");
      sandbox.nodes().forEach(n -> out.println("  " + n.name() + ": " + n.nodeCapacity()));
      boolean allocated = expected && allocate(sandbox, out, err);
      out.flush();
      if (deadline == null) {
        out.println("running; Ctrl-C stops");
        out.flush();
        interrupted.await();
      } else {
        out.println("running until " + deadline.truncatedTo(ChronoUnit.SECONDS) + "; Ctrl-C stops");
        out.flush();
        interrupted.await(
            Math.max(0, Duration.between(Instant.now(), deadline).toMillis()),
            TimeUnit.MILLISECONDS);
      }
      out.println("stopping");
      out.flush();
      return expected && allocated ? 0 : 1;
    }
  }

  /**
   * Prints the status table whenever it changes (checked every second) until the pools settle or
   * {@code timeout} passes; returns whether they settled.
   */
  private static boolean watch(
      Sandbox sandbox, PrintWriter out, Duration timeout, CountDownLatch interrupted)
      throws InterruptedException {
    Instant until = Instant.now().plus(timeout);
    String last = "";
    while (true) {
      String table = sandbox.table();
      boolean settled = sandbox.settled();
      if (!table.equals(last) || settled) {
        out.println(
            "--- " + LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS) + " UTC");
        out.print(table);
        out.println();
        out.flush();
        last = table;
      }
      if (settled) {
        return true;
      }
      if (Instant.now().isAfter(until) || interrupted.await(1, TimeUnit.SECONDS)) {
        return false;
      }
    }
  }

  /** Waits (at most 20s) until every node's kubelet has put the advertised units on its Node. */
  private static void awaitAdvertised(Sandbox sandbox, CountDownLatch interrupted)
      throws InterruptedException {
    Instant until = Instant.now().plusSeconds(20);
    while (Instant.now().isBefore(until)) {
      boolean done =
          sandbox.node(Sandbox.BASIC_NODE).advertised().containsKey(SAMPLE_RESOURCE)
              && sandbox.nodes().stream()
                  .allMatch(
                      n -> {
                        Map<String, String> capacity = n.nodeCapacity();
                        return n.advertised().entrySet().stream()
                            .allMatch(e -> e.getValue().equals(capacity.get(e.getKey())));
                      });
      if (done || interrupted.await(200, TimeUnit.MILLISECONDS)) {
        return;
      }
    }
  }

  /** A pod asking for 2 units of daxtier.io/pmem on sim-node-2: the kubelet's Allocate call. */
  private static boolean allocate(Sandbox sandbox, PrintWriter out, PrintWriter err) {
    SimNode node = sandbox.node(Sandbox.BASIC_NODE);
    PluginConnection plugin = node.kubelet().plugin(SAMPLE_RESOURCE).orElse(null);
    if (plugin == null) {
      err.println("error: " + SAMPLE_RESOURCE + " is not registered on " + node.name());
      return false;
    }
    List<String> healthy =
        plugin.health().entrySet().stream()
            .filter(e -> e.getValue().equals("Healthy"))
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    if (healthy.size() < 2) {
      err.println("error: " + node.name() + " advertises only " + healthy.size() + " units");
      return false;
    }
    List<String> ids = plugin.preferred(healthy, List.of(), 2);
    var response = plugin.allocate(ids);
    var container = response.getContainerResponses(0);
    out.println();
    out.println(
        "Allocate on "
            + node.name()
            + ": a pod asking for "
            + SAMPLE_RESOURCE
            + ": 2 got devices "
            + ids);
    container.getEnvsMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> out.println("  env " + e.getKey() + "=" + e.getValue()));
    container
        .getDevicesList()
        .forEach(d -> out.println("  device " + d.getHostPath() + " -> " + d.getContainerPath()));
    container
        .getMountsList()
        .forEach(m -> out.println("  mount " + m.getHostPath() + " -> " + m.getContainerPath()));
    container.getAnnotationsMap().forEach((k, v) -> out.println("  annotation " + k + "=" + v));
    out.println();
    return true;
  }

  private Duration duration(String value, String option) {
    return GoDurations.parse(value)
        .filter(d -> !d.isZero() && !d.isNegative())
        .orElseThrow(
            () ->
                new CommandLine.ParameterException(
                    spec.commandLine(),
                    option + ": expected a duration such as 90s, not " + value));
  }
}
