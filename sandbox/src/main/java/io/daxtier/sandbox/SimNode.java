package io.daxtier.sandbox;

import io.daxtier.agent.dra.DraDriver;
import io.daxtier.agent.dra.DraPluginConfig;
import io.daxtier.agent.dra.ResourceSlices;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.plugin.DevicePluginManager;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.run.AgentAssembly;
import io.daxtier.agent.run.AgentLoop;
import io.daxtier.testkit.kubelet.FakeKubelet;
import io.daxtier.testkit.kubelet.PluginConnection;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated node: its Node object, a {@link SimulatedKernel}, the agent (built by {@link
 * AgentAssembly}, as the agent's {@code run} command builds it in a cluster), its device plugins
 * and a stand-in kubelet that copies the advertised capacity into the Node's status, as a real
 * kubelet does.
 */
public final class SimNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SimNode.class);

  private final String name;
  private final KubernetesClient client;
  private final SimulatedKernel kernel;
  private final Duration interval;
  private final String eventNamespace;
  private final Path kubeletDir;
  private final FakeKubelet kubelet;
  private final DevicePluginManager plugins;
  private final ScheduledExecutorService capacitySync;
  private volatile Map<String, String> lastCapacity = Map.of();
  private AgentAssembly agent;
  private DraDriver dra;

  private SimNode(
      String name,
      KubernetesClient client,
      SimulatedKernel kernel,
      Duration interval,
      String eventNamespace)
      throws IOException {
    this.name = name;
    this.client = client;
    this.kernel = kernel;
    this.interval = interval;
    this.eventNamespace = eventNamespace;
    this.kubeletDir = Files.createTempDirectory(Path.of("/tmp"), "dt-");
    this.kubelet = new FakeKubelet(kubeletDir).start();
    this.plugins =
        new DevicePluginManager(
            kubeletDir,
            f ->
                LOG.error(
                    "{}: device plugin for {} failed ({}): {}",
                    name,
                    f.resourceName(),
                    f.reason(),
                    f.message()));
    this.capacitySync =
        Executors.newSingleThreadScheduledExecutor(daemon("sandbox-kubelet-" + name));
  }

  /** Creates the Node object with {@code labels}, then starts the agent and the kubelet. */
  public static SimNode start(
      KubernetesClient client,
      String name,
      Map<String, String> labels,
      SimulatedKernel kernel,
      Duration interval,
      String eventNamespace)
      throws IOException {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(new HashMap<>(labels))
                .endMetadata()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .withReason("KubeletReady")
                .endCondition()
                .endStatus()
                .build())
        .create();
    SimNode node = new SimNode(name, client, kernel, interval, eventNamespace);
    node.startAgent();
    node.capacitySync.scheduleWithFixedDelay(node::syncCapacity, 0, 500, TimeUnit.MILLISECONDS);
    return node;
  }

  public String name() {
    return name;
  }

  public SimulatedKernel kernel() {
    return kernel;
  }

  public FakeKubelet kubelet() {
    return kubelet;
  }

  public DevicePluginManager plugins() {
    return plugins;
  }

  /** Starts an agent (a fresh process as far as the node can tell) on this node's kernel. */
  public synchronized void startAgent() {
    if (agent != null) {
      throw new IllegalStateException(name + ": agent already running");
    }
    NodeReconciler reconciler =
        new NodeReconciler(kernel, new SimulatedNdctl(kernel), Clock.systemUTC());
    try {
      // the DRA driver as the agent runs it: slices on the embedded API, the kubelet plugin's
      // sockets in a kubelet root of its own (the stand-in kubelet speaks no DRA, and restarts
      // by clearing its device-plugin directory)
      Path draRoot = Files.createTempDirectory(Path.of("/tmp"), "dt-dra-");
      dra =
          DraDriver.create(
              client,
              new DraPluginConfig(draRoot, draRoot.resolve("state"), draRoot.resolve("cdi"), name),
              ResourceSlices.TaintEffect.NoSchedule,
              plugins.transport(),
              Clock.systemUTC());
      agent =
          AgentAssembly.builder(kernel, reconciler)
              // no desired-state cache: a simulated node's record lives in memory
              .inCluster(client, name, eventNamespace, null)
              .lease(eventNamespace)
              // the node's plugins outlive its agent: a killed agent's plugins keep serving
              .devicePlugins(plugins, false)
              .listener(dra)
              .component(dra)
              .interval(interval)
              .threads(daemon("sandbox-agent-" + name))
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // no health endpoints here: nothing binds
    }
  }

  /** Stops the agent as a killed agent process would stop (plugins keep serving). */
  public synchronized void stopAgent() {
    if (agent != null) {
      agent.close();
      try {
        agent.awaitStopped(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      agent = null;
    }
  }

  /** The DRA driver of the running agent (null while none runs). */
  public synchronized DraDriver dra() {
    return agent == null ? null : dra;
  }

  /** The agent's latest pass, for tests. */
  public synchronized AgentLoop agent() {
    return agent == null ? null : agent.loop();
  }

  /** Healthy devices per resource, as the kubelet sees them now. */
  public Map<String, String> advertised() {
    Map<String, String> out = new LinkedHashMap<>();
    kubelet.registrations().stream()
        .map(r -> r.getResourceName())
        .distinct()
        .sorted(Comparator.naturalOrder())
        .forEach(
            resource -> {
              long healthy =
                  kubelet
                      .plugin(resource)
                      .filter(PluginConnection::streamOpen)
                      .map(c -> c.health().values().stream().filter("Healthy"::equals).count())
                      .orElse(0L);
              out.put(resource, Long.toString(healthy));
            });
    return out;
  }

  /** Copies the advertised capacity into the Node's status.capacity and allocatable. */
  void syncCapacity() {
    try {
      Map<String, String> now = advertised();
      if (now.equals(lastCapacity)) {
        return;
      }
      client
          .nodes()
          .withName(name)
          .editStatus(
              n -> {
                Map<String, Quantity> capacity = new HashMap<>();
                Map<String, Quantity> allocatable = new HashMap<>();
                if (n.getStatus().getCapacity() != null) {
                  capacity.putAll(n.getStatus().getCapacity());
                }
                if (n.getStatus().getAllocatable() != null) {
                  allocatable.putAll(n.getStatus().getAllocatable());
                }
                lastCapacity.keySet().forEach(capacity::remove);
                lastCapacity.keySet().forEach(allocatable::remove);
                now.forEach(
                    (k, v) -> {
                      capacity.put(k, new Quantity(v));
                      allocatable.put(k, new Quantity(v));
                    });
                n.getStatus().setCapacity(capacity);
                n.getStatus().setAllocatable(allocatable);
                return n;
              });
      lastCapacity = now;
    } catch (RuntimeException e) {
      LOG.warn("{}: cannot update the node's capacity: {}", name, e.toString());
    }
  }

  /** The capacity last written to the Node. */
  public Map<String, String> nodeCapacity() {
    var node = client.nodes().withName(name).get();
    Map<String, String> out = new LinkedHashMap<>();
    if (node != null && node.getStatus() != null && node.getStatus().getCapacity() != null) {
      node.getStatus().getCapacity().forEach((k, v) -> out.put(k, v.toString()));
    }
    return out;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    capacitySync.shutdownNow();
    stopAgent();
    plugins.close();
    kubelet.close();
    try (Stream<Path> files = Files.walk(kubeletDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
