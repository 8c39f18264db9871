package io.daxtier.agent.cli;

import io.daxtier.agent.dra.DraDriver;
import io.daxtier.agent.dra.DraPluginConfig;
import io.daxtier.agent.dra.ResourceSlices;
import io.daxtier.agent.kernel.DeadlineKernel;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.plugin.DevicePluginManager;
import io.daxtier.agent.plugin.PluginFailure;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.record.DesiredStateCache;
import io.daxtier.agent.run.AgentAssembly;
import io.daxtier.agent.run.AgentLoop;
import io.daxtier.agent.run.JsonFileStatusSink;
import io.daxtier.agent.run.PoolFileSource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code run}: the long-running agent, standalone (pool file) or in a cluster (its PmemNode). */
@Command(
    name = "run",
    description =
        "Keep this node converged: from --pool-file (standalone) or from its PmemNode (cluster).",
    mixinStandardHelpOptions = true,
    footer = ExitCodes.HELP)
final class RunCommand implements Callable<Integer> {
  private static final AtomicBoolean RUNNING = new AtomicBoolean();
  private static final Duration TRAINING_TIMEOUT = Duration.ofSeconds(60);

  /**
   * The file the training's stand-in kubelet (the test kit's {@code FakeKubeletMain
   * --allocate-once}, started by cds-archive.sh) creates in the kubelet directory once it has
   * listed and allocated a device.
   */
  static final String TRAINING_ALLOCATED = "cds-training.allocated";

  private static final Duration ONCE_API_TIMEOUT = Duration.ofSeconds(30);

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(
      names = "--pool-file",
      paramLabel = "FILE",
      description = "Standalone mode: desired pools from this file.")
  Path poolFile;

  @Option(
      names = "--status-file",
      paramLabel = "FILE",
      description = "Standalone mode: write status JSON here.")
  Path statusFile;

  @Option(names = "--node-name", description = "This node's name (default: $NODE_NAME).")
  String nodeName = System.getenv("NODE_NAME");

  @Option(names = "--event-namespace", description = "Namespace for Events (default: default).")
  String eventNamespace = "default";

  @Option(
      names = "--lease-namespace",
      description =
          "Namespace of this node's Lease (daxtier-agent-<node>, renewed every 10s: the agent's"
              + " liveness; default: --event-namespace).")
  String leaseNamespace;

  @Option(names = "--interval", description = "Time between passes (default 30s).")
  String interval = "30s";

  @Option(
      names = "--metrics-port",
      description =
          "Port for /healthz, /readyz, /metrics (0: any free port, -1: off; default 9464).")
  int metricsPort = 9464;

  @Option(
      names = "--health-address",
      paramLabel = "ADDRESS",
      description =
          "Address /healthz, /readyz and /metrics listen on (default: every interface; the Helm"
              + " chart passes the pod IP).")
  String healthAddress;

  @Option(
      names = "--poison-watch",
      description =
          "How often the regions' badblocks lists are checked for new poison between passes"
              + " (default 1s; a change triggers a pass at once).")
  String poisonWatch = "1s";

  @Option(names = "--once", description = "Run one pass and exit (exit code as apply).")
  boolean once;

  @Option(
      names = "--wait",
      paramLabel = "DURATION",
      defaultValue = "1h",
      description =
          "With --once: how long to follow an ARS or a DIMM overwrite the pass started (another"
              + " pass every few seconds until it ends); 0s: exit after one pass. Default 1h.")
  String wait;

  @Option(
      names = "--kubelet-dir",
      paramLabel = "DIR",
      description =
          "Where kubelet.sock is found and the plugin sockets are created"
              + " (default /var/lib/kubelet/device-plugins).")
  Path kubeletDir = Path.of("/var/lib/kubelet/device-plugins");

  @Option(
      // picocli sets a negatable option to the opposite of its default when the declared name is
      // given: a default-on switch is declared by its "no-" form.
      names = "--no-device-plugin",
      negatable = true,
      description =
          "Advertise converged pools to the kubelet (default on; --no-device-plugin for a node"
              + " without a kubelet).")
  boolean devicePlugin = true;

  @Option(
      // a default-on switch, declared by its "no-" form (see --no-device-plugin)
      names = "--no-dra",
      negatable = true,
      description =
          "Cluster mode: serve the DRA driver memory.daxtier.io (ResourceSlices for pools with"
              + " spec.resource.api DRA, and the kubelet DRA plugin; default on; --no-dra for a"
              + " kubelet without DRA).")
  boolean dra = true;

  @Option(
      names = "--kubelet-root",
      description =
          "The kubelet's root directory: the DRA plugin registers in plugins_registry/ and serves"
              + " plugins/memory.daxtier.io/ there (default: the parent of --kubelet-dir when"
              + " that is a device-plugins directory, else --kubelet-dir itself).")
  Path kubeletRoot;

  @Option(
      names = "--cdi-dir",
      description =
          "Where the DRA plugin writes the CDI specs of prepared claims (default /var/run/cdi).")
  Path cdiDir = DraPluginConfig.DEFAULT_CDI_DIR;

  @Option(
      names = "--dra-poison-taint",
      description =
          "The effect of the taint on a DRA device with poison: NoSchedule (default) or None"
              + " (information only).")
  ResourceSlices.TaintEffect draPoisonTaint = ResourceSlices.TaintEffect.NoSchedule;

  @Option(
      names = "--cds-training",
      hidden = true,
      description =
          "Image build only, on a simulated node with a stand-in kubelet serving --kubelet-dir"
              + " (cds-archive.sh starts one): run until it has listed and allocated a device and"
              + " the health endpoints answered, then exit (a class-data archive made from this"
              + " run holds what a node loads).")
  boolean cdsTraining;

  /**
   * A resource the kubelet can no longer reach: exit non-zero so the DaemonSet restarts the agent,
   * rather than silently advertising nothing.
   */
  @SuppressWarnings("checkstyle:regexp")
  private static void pluginFailed(PluginFailure failure) {
    LoggerFactory.getLogger(RunCommand.class)
        .error(
            "device plugin for {} failed ({}): {}; exiting",
            failure.resourceName(),
            failure.reason(),
            failure.message(),
            failure.cause());
    System.exit(ExitCodes.PLUGIN_FAILED);
  }

  /** Whether a long-running agent was started (main must not exit then). */
  static boolean keepsRunning() {
    return RUNNING.get();
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (poolFile == null && (nodeName == null || nodeName.isBlank())) {
      err.println("error: cluster mode needs --node-name or $NODE_NAME (or use --pool-file)");
      return ExitCodes.USAGE;
    }
    if (poolFile != null) {
      try {
        PoolFile.read(poolFile);
      } catch (PoolFile.BadPoolFile e) {
        err.println("error: bad pool file: " + e.getMessage());
        return ExitCodes.BAD_POOL_FILE;
      }
    }
    if (!main.mayWrite()) {
      err.println("error: not root: the agent writes to sysfs");
      return ExitCodes.NOT_ROOT;
    }
    Kernel k = main.kernel();
    int pre = Preflight.sysfs(k, err);
    if (pre != 0) {
      return pre;
    }
    NodeReconciler reconciler = main.reconciler();
    pre =
        Preflight.platform(
            k,
            reconciler.inventory(),
            poolFile == null ? java.util.List.of() : PoolFile.read(poolFile).pools(),
            err);
    if (pre != 0) {
      return pre;
    }
    InetSocketAddress healthBind = healthBind();
    if (healthBind == null) {
      err.println("error: --health-address: cannot resolve '" + healthAddress + "'");
      return ExitCodes.USAGE;
    }
    if (cdsTraining && (!main.simulated() || once || !devicePlugin)) {
      err.println("error: --cds-training needs --simulate and the device plugin, without --once");
      return ExitCodes.USAGE;
    }
    KubernetesClient client = poolFile == null ? clusterClient() : null;
    AgentAssembly.Builder wiring = AgentAssembly.builder(k, reconciler);
    DevicePluginManager plugins = null;
    if (!once && devicePlugin) {
      plugins = new DevicePluginManager(kubeletDir, RunCommand::pluginFailed);
      wiring.devicePlugins(plugins, true);
    }
    if (poolFile != null) {
      wiring.standalone(
          new PoolFileSource(poolFile),
          statusFile != null ? new JsonFileStatusSink(statusFile) : status -> {});
    } else {
      wiring
          .inCluster(
              client,
              nodeName,
              eventNamespace,
              main.record().dir().map(DesiredStateCache::new).orElse(null))
          .lease(
              leaseNamespace == null || leaseNamespace.isBlank() ? eventNamespace : leaseNamespace);
      if (!once && dra) {
        DraDriver driver =
            DraDriver.create(
                client,
                new DraPluginConfig(
                    kubeletRoot != null ? kubeletRoot : kubeletRootOf(kubeletDir),
                    draStateDir(main),
                    cdiDir,
                    nodeName),
                draPoisonTaint,
                plugins == null ? null : plugins.transport(),
                Clock.systemUTC());
        wiring.listener(driver).component(driver);
      }
    }
    if (once) {
      AgentAssembly agent = wiring.build();
      AgentLoop loop = agent.loop();
      if (!loop.awaitSource(ONCE_API_TIMEOUT)) {
        err.println("warning: API server not answering; using the cached desired state, if any");
      }
      var r = loop.runOnce();
      if (r.isPresent()) {
        r = Optional.of(Rechecks.follow(r.get(), Sizes.parseDuration(wait), loop::runOnce, err));
      }
      agent.close();
      if (client != null) {
        client.close();
      }
      if (r.isEmpty()) {
        return ExitCodes.ERROR;
      }
      return !r.get().blocked().isEmpty()
          ? ExitCodes.BLOCKED
          : !r.get().failed().isEmpty()
              ? ExitCodes.FAILED
              : r.get().converged() ? ExitCodes.OK : ExitCodes.IN_PROGRESS;
    }
    wiring.interval(Sizes.parseDuration(interval)).poisonWatch(Sizes.parseDuration(poisonWatch));
    if (metricsPort >= 0) {
      wiring.health(healthBind);
    }
    AgentAssembly agent = wiring.build().start();
    if (cdsTraining) {
      try {
        boolean ok = awaitFile(kubeletDir.resolve(TRAINING_ALLOCATED), TRAINING_TIMEOUT);
        if (agent.health().isPresent()) {
          InetSocketAddress address = agent.health().get().address();
          get(address, "/healthz");
          get(address, "/readyz");
          get(address, "/metrics");
        }
        return ok ? ExitCodes.OK : ExitCodes.ERROR;
      } finally {
        agent.close();
      }
    }
    RUNNING.set(true);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  if (k instanceof DeadlineKernel d) {
                    d.close();
                  }
                  if (client != null) {
                    client.close();
                  }
                }));
    return ExitCodes.OK;
  }

  /**
   * The kubelet's root directory: the parent of its {@code device-plugins} directory, as the
   * kubelet lays them out; any other {@code --kubelet-dir} (a test's or a stand-in kubelet's
   * directory) is its own root, so two agents with their own directories never share a DRA socket.
   */
  static Path kubeletRootOf(Path kubeletDir) {
    Path abs = kubeletDir.toAbsolutePath().normalize();
    boolean kubeletLayout =
        abs.getFileName() != null
            && abs.getFileName().toString().equals("device-plugins")
            && abs.getParent() != null;
    return kubeletLayout ? abs.getParent() : abs;
  }

  /**
   * Where the DRA plugin keeps its checkpoint of prepared claims: the node record's directory; a
   * simulated node without {@code --state-dir} (its record is in memory) gets a temporary one.
   */
  private static Path draStateDir(Main main) throws IOException {
    Optional<Path> dir = main.record().dir();
    return dir.isPresent() ? dir.get() : Files.createTempDirectory("daxtier-dra-state");
  }

  /**
   * The API server client of cluster mode. Nothing here needs the API server at start: the agent
   * runs on its cached desired state until the informer lists. The client's own request retries are
   * kept short: status writes are retried by the agent with its own backoff, off the pass.
   */
  private static KubernetesClient clusterClient() {
    Config config = Config.autoConfigure(null);
    config.setRequestRetryBackoffLimit(1);
    config.setConnectionTimeout(5_000);
    config.setRequestTimeout(10_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Where the health endpoints listen: every interface, or {@code --health-address}. */
  InetSocketAddress healthBind() {
    int port = Math.max(metricsPort, 0);
    if (healthAddress == null || healthAddress.isBlank()) {
      return new InetSocketAddress(port);
    }
    InetSocketAddress a = new InetSocketAddress(healthAddress.strip(), port);
    return a.isUnresolved() ? null : a;
  }

  /** Whether {@code file} appears within {@code timeout}. */
  private static boolean awaitFile(Path file, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!java.nio.file.Files.exists(file)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** A plain HTTP/1.0 GET (training: the server side is what gets exercised). */
  private static void get(InetSocketAddress server, String path) throws IOException {
    InetAddress host =
        server.getAddress().isAnyLocalAddress()
            ? InetAddress.getLoopbackAddress()
            : server.getAddress();
    try (Socket s = new Socket(host, server.getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      in.readAllBytes();
    }
  }
}
