package io.daxtier.agent.run;

import io.daxtier.agent.cluster.NodeLease;
import io.daxtier.agent.health.AgentMetrics;
import io.daxtier.agent.health.HealthServer;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.plugin.DevicePluginManager;
import io.daxtier.agent.poison.BadBlocksWatch;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.record.DesiredStateCache;
import io.daxtier.agent.state.NodeState;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The running agent, wired in one place: the reconciler's passes ({@link AgentLoop}) on a thread of
 * their own, desired state and status from a pool file or from this node's PmemNode, every observed
 * {@link NodeState} to the device plugins ({@link CapacityAdvertiser}) and to any other listener,
 * the health and metrics endpoints, the poison watch, the node's Lease, and any other component.
 * The agent's {@code run} command and the sandbox's simulated nodes both build their agent here;
 * they differ only in what they hand in (the kernel and reconciler, the device plugins on a kubelet
 * directory, the API client) and in which of the optional parts they switch on.
 *
 * <p>Lifecycle: {@link Builder#build()} creates everything (and binds the health port) without
 * running anything, which is what {@code run --once} uses; {@link #start()} starts the passes, the
 * Lease, the poison watch and the components, in that order; {@link #close()} stops them in
 * reverse. The API client is the caller's, and so are device plugins handed in as shared.
 */
public final class AgentAssembly implements AutoCloseable {

  /** Something that runs beside the passes: started after them, closed before them. */
  public interface Component extends AutoCloseable {
    void start();

    @Override
    void close();
  }

  private final Builder options;
  private final AgentLoop loop;
  private final HealthServer health;
  private NodeLease lease;
  private ScheduledExecutorService passes;
  private final List<Component> started = new ArrayList<>();
  private boolean closed;

  private AgentAssembly(Builder b) throws IOException {
    this.options = b;
    Consumer<NodeState> listener = listener(b);
    this.loop =
        b.client == null
            ? new AgentLoop(b.reconciler, b.source, b.sink, listener, b.metrics, b.clock)
            : AgentLoop.inCluster(
                b.reconciler,
                b.client,
                b.nodeName,
                b.eventNamespace,
                b.cache,
                listener,
                b.metrics,
                b.clock);
    if (b.healthAddress == null) {
      this.health = null;
    } else {
      Duration every = b.interval;
      this.health =
          new HealthServer(
              b.healthAddress,
              b.metrics::scrape,
              () -> loop.live(every, Instant.now()),
              loop::ready,
              HealthServer.DEFAULT_DEADLINE);
      health.degradedWhen(loop::degraded);
    }
  }

  /** Every observed state to the device plugins (if any), then to each extra listener in order. */
  private static Consumer<NodeState> listener(Builder b) {
    List<Consumer<NodeState>> all = new ArrayList<>();
    if (b.plugins != null) {
      all.add(new CapacityAdvertiser(b.plugins::update));
    }
    all.addAll(b.listeners);
    return switch (all.size()) {
      case 0 -> state -> {};
      case 1 -> all.get(0);
      default ->
          state -> {
            for (Consumer<NodeState> l : all) {
              l.accept(state);
            }
          };
    };
  }

  /** An agent of the node this reconciler converges; {@code kernel} is the one it works on. */
  public static Builder builder(Kernel kernel, NodeReconciler reconciler) {
    return new Builder(kernel, reconciler);
  }

  /** Starts the passes, then the Lease, the poison watch and the components. */
  public synchronized AgentAssembly start() {
    if (passes != null || closed) {
      throw new IllegalStateException("agent already started");
    }
    passes = Executors.newSingleThreadScheduledExecutor(options.threads);
    BadBlocksWatch badBlocks =
        options.poisonWatch == null
            ? null
            : new BadBlocksWatch(options.kernel, loop::requestPass).prime();
    loop.start(passes, options.interval);
    // liveness on its own thread, whatever the passes do: status is written only on change
    if (options.client != null && options.leaseNamespace != null) {
      lease =
          new NodeLease(options.client, options.leaseNamespace, options.nodeName, options.clock)
              .start();
    }
    // its own thread: a pass held up by a blocking sysfs write does not hold the poison watch
    if (badBlocks != null) {
      loop.watchPoison(badBlocks, options.poisonWatch);
    }
    for (Component c : options.components) {
      c.start();
      started.add(c);
    }
    return this;
  }

  public AgentLoop loop() {
    return loop;
  }

  public AgentMetrics metrics() {
    return options.metrics;
  }

  public Optional<HealthServer> health() {
    return Optional.ofNullable(health);
  }

  public Optional<DevicePluginManager> plugins() {
    return Optional.ofNullable(options.plugins);
  }

  /** Waits for the pass thread to end after {@link #close()}; false on timeout. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    ScheduledExecutorService p;
    synchronized (this) {
      p = passes;
    }
    return p == null || p.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops the Lease, the components, the passes, then closes the device plugins it owns and the
   * health endpoints.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (lease != null) {
      lease.close();
    }
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
    loop.close();
    if (options.plugins != null && options.ownsPlugins) {
      options.plugins.close();
    }
    if (health != null) {
      health.close();
    }
  }

  /** What the agent is made of; standalone ({@link #standalone}) or in a cluster. */
  public static final class Builder {
    private final Kernel kernel;
    private final NodeReconciler reconciler;
    private DesiredStateSource source;
    private StatusSink sink;
    private KubernetesClient client;
    private String nodeName;
    private String eventNamespace;
    private DesiredStateCache cache;
    private String leaseNamespace;
    private DevicePluginManager plugins;
    private boolean ownsPlugins;
    private final List<Consumer<NodeState>> listeners = new ArrayList<>();
    private final List<Component> components = new ArrayList<>();
    private InetSocketAddress healthAddress;
    private Duration poisonWatch;
    private Duration interval = Duration.ofSeconds(30);
    private ThreadFactory threads = r -> new Thread(r, "daxtier-agent");
    private AgentMetrics metrics = new AgentMetrics();
    private Clock clock = Clock.systemUTC();

    private Builder(Kernel kernel, NodeReconciler reconciler) {
      this.kernel = Objects.requireNonNull(kernel);
      this.reconciler = Objects.requireNonNull(reconciler);
    }

    /** Standalone: desired state from {@code source} (a pool file), status to {@code sink}. */
    public Builder standalone(DesiredStateSource source, StatusSink sink) {
      this.source = Objects.requireNonNull(source);
      this.sink = Objects.requireNonNull(sink);
      this.client = null;
      return this;
    }

    /**
     * In a cluster: desired state from {@code nodeName}'s PmemNode, status and Events through
     * {@code client}; the last spec seen kept in {@code cache} (null: none).
     */
    public Builder inCluster(
        KubernetesClient client, String nodeName, String eventNamespace, DesiredStateCache cache) {
      this.client = Objects.requireNonNull(client);
      this.nodeName = Objects.requireNonNull(nodeName);
      this.eventNamespace = Objects.requireNonNull(eventNamespace);
      this.cache = cache;
      this.source = null;
      this.sink = null;
      return this;
    }

    /** In a cluster: renews the node's Lease ({@link NodeLease}) in {@code namespace}. */
    public Builder lease(String namespace) {
      this.leaseNamespace = namespace;
      return this;
    }

    /**
     * Advertises converged pools through {@code plugins}; {@code closeWithAgent} false when they
     * outlive this agent (the sandbox: a killed agent's plugins keep serving).
     */
    public Builder devicePlugins(DevicePluginManager plugins, boolean closeWithAgent) {
      this.plugins = plugins;
      this.ownsPlugins = closeWithAgent;
      return this;
    }

    /** One more listener of every observed node state, after the device plugins. */
    public Builder listener(Consumer<NodeState> listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /** One more component started and stopped with the agent. */
    public Builder component(Component component) {
      components.add(Objects.requireNonNull(component));
      return this;
    }

    /** Serves /healthz, /readyz and /metrics on {@code address}. */
    public Builder health(InetSocketAddress address) {
      this.healthAddress = address;
      return this;
    }

    /** Checks the regions' badblocks lists every {@code tick} between passes (null: never). */
    public Builder poisonWatch(Duration tick) {
      this.poisonWatch = tick;
      return this;
    }

    /** Time between passes (default 30s). */
    public Builder interval(Duration interval) {
      this.interval = Objects.requireNonNull(interval);
      return this;
    }

    /** The pass thread's factory (default: one non-daemon thread, daxtier-agent). */
    public Builder threads(ThreadFactory threads) {
      this.threads = Objects.requireNonNull(threads);
      return this;
    }

    public Builder metrics(AgentMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Creates the agent (and binds the health port); nothing runs before {@link #start()}. */
    public AgentAssembly build() throws IOException {
      if (client == null && source == null) {
        throw new IllegalStateException("neither standalone nor in a cluster");
      }
      return new AgentAssembly(this);
    }
  }
}
