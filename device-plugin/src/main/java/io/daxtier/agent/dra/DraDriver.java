package io.daxtier.agent.dra;

import io.daxtier.agent.run.AgentAssembly;
import io.daxtier.agent.state.NodeState;
import io.daxtier.kubelet.UdsTransport;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole DRA driver of a node, as one part of the agent: after every pass the node's devices of
 * DRA pools go to the ResourceSlice publisher (the scheduler's view) and to the kubelet plugin
 * (prepare checks and the health stream), so both see the same devices. Cluster mode only: claims
 * and slices live in the API server.
 */
public final class DraDriver implements AgentAssembly.Component, Consumer<NodeState> {
  private static final Logger LOG = LoggerFactory.getLogger(DraDriver.class);

  private final SlicePublisher slices;
  private final DraKubeletPlugin plugin;
  private volatile List<DraDevice> current = List.of();
  private boolean serving;
  private boolean withdrawn;
  private volatile String problem;

  DraDriver(SlicePublisher slices, PluginFactory plugin) {
    this.slices = Objects.requireNonNull(slices, "slices");
    this.plugin = plugin.create(() -> current);
  }

  /**
   * The driver for {@code config.nodeName()}: slices written on their own thread, the kubelet
   * plugin on {@code transport} (the device plugin's, so one event loop serves both), or on a
   * transport of its own when {@code transport} is null.
   */
  public static DraDriver create(
      KubernetesClient client,
      DraPluginConfig config,
      ResourceSlices.TaintEffect poisonTaint,
      UdsTransport transport,
      Clock clock) {
    SlicePublisher slices = SlicePublisher.inBackground(client, config.nodeName(), poisonTaint);
    ClaimSource claims = new KubernetesClaimSource(client);
    return new DraDriver(
        slices,
        devices ->
            transport == null
                ? new DraKubeletPlugin(config, claims, devices, clock)
                : new DraKubeletPlugin(config, claims, devices, clock, transport));
  }

  /** Builds the kubelet plugin around the driver's current devices. */
  interface PluginFactory {
    DraKubeletPlugin create(Supplier<List<DraDevice>> devices);
  }

  /**
   * Serves the kubelet plugin. A plugin that cannot serve (its directories not writable, say) is
   * logged, not fatal: the device plugin and everything else go on, no slice is published while the
   * kubelet could not prepare what the scheduler allocates, and every pass tries again.
   */
  @Override
  public void start() {
    serve();
  }

  private synchronized boolean serve() {
    if (serving) {
      return true;
    }
    try {
      plugin.start();
      serving = true;
      problem = null;
    } catch (IOException | RuntimeException e) {
      if (problem == null) {
        LOG.error("DRA kubelet plugin not serving (retried every pass): {}", e.toString());
      }
      problem = e.toString();
    }
    return serving;
  }

  @Override
  public void accept(NodeState state) {
    if (!serve()) {
      if (!withdrawn) {
        withdrawn = slices.withdraw();
      }
      return;
    }
    withdrawn = false;
    slices.accept(state);
    current = slices.wanted();
    plugin.update(current);
  }

  /** Why the kubelet plugin is not serving; empty while it serves. */
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  /** The devices of the last pass: what is published and what prepare accepts. */
  public List<DraDevice> devices() {
    return current;
  }

  public SlicePublisher slices() {
    return slices;
  }

  public DraKubeletPlugin plugin() {
    return plugin;
  }

  /**
   * Stops serving the kubelet and writing slices. The slices stay: a restarted agent adopts them,
   * and pods keep their memory while the agent is away.
   */
  @Override
  public void close() {
    try {
      plugin.close();
    } finally {
      slices.close();
    }
  }
}
