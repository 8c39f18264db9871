package io.daxtier.agent.dra;

import io.daxtier.kubelet.UdsTransport;
import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet side of the {@value DraNames#DRIVER} DRA driver: serves {@code DRAPlugin} (v1 and
 * v1beta1) and {@code DRAResourceHealth} (v1alpha1 and v1) on {@link DraPluginConfig#draSocket()}
 * and registers it through the kubelet's plugin watcher ({@link
 * DraPluginConfig#registrationSocket()}).
 *
 * <p>Wiring: create it with the agent's transport, the current devices ({@code () ->
 * DraDevices.from(state)}) and a {@link KubernetesClaimSource}; {@link #start()} once; {@link
 * #update(List)} (or {@link #accept(List)}) after every agent pass; {@link #close()} on shutdown.
 */
public final class DraKubeletPlugin implements Consumer<List<DraDevice>>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DraKubeletPlugin.class);

  private final DraPluginConfig config;
  private final UdsTransport transport;
  private final boolean ownsTransport;
  private final DraPreparer preparer;
  private final DraHealth health;
  private final DraRegistration registration;
  private final Supplier<List<DraDevice>> devices;
  private final ExecutorService calls;
  private Server draServer;
  private Server registrationServer;
  private boolean wanted;

  /**
   * A plugin sharing the agent's transport (one event loop for the device plugin and this).
   *
   * @param devices the devices published now; read at every prepare
   */
  public DraKubeletPlugin(
      DraPluginConfig config,
      ClaimSource claims,
      Supplier<List<DraDevice>> devices,
      Clock clock,
      UdsTransport transport) {
    this(config, claims, devices, clock, transport, false);
  }

  /** A plugin with a transport of its own, closed with it. */
  public DraKubeletPlugin(
      DraPluginConfig config, ClaimSource claims, Supplier<List<DraDevice>> devices, Clock clock) {
    this(config, claims, devices, clock, new UdsTransport("dra-plugin-io"), true);
  }

  private DraKubeletPlugin(
      DraPluginConfig config,
      ClaimSource claims,
      Supplier<List<DraDevice>> devices,
      Clock clock,
      UdsTransport transport,
      boolean ownsTransport) {
    this.config = config;
    this.transport = transport;
    this.ownsTransport = ownsTransport;
    this.devices = devices;
    this.preparer =
        new DraPreparer(
            config.nodeName(), claims, devices, config.cdiDir(), config.stateDir(), clock);
    this.health = new DraHealth(config.nodeName(), clock);
    this.registration = new DraRegistration(config.draSocket());
    this.calls =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "dra-prepare");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Serves the DRA socket, then the registration socket (the kubelet dials the endpoint as soon as
   * it sees the registration socket); stale socket files of an earlier run are replaced.
   */
  public synchronized void start() throws IOException {
    if (draServer != null) {
      throw new IllegalStateException("already started");
    }
    health.update(devices.get());
    Path dra = config.draSocket();
    Path reg = config.registrationSocket();
    Files.createDirectories(dra.getParent());
    Files.createDirectories(reg.getParent());
    deleteStaleSocket(dra);
    deleteStaleSocket(reg);
    draServer =
        transport.serve(
            dra,
            List.of(
                new DraPluginV1(preparer, calls),
                new DraPluginV1beta1(preparer, calls),
                new DraHealthV1alpha1(health),
                new DraHealthV1(health)));
    try {
      registrationServer = transport.serve(reg, registration);
    } catch (IOException | RuntimeException e) {
      // all or nothing: a later start() serves both again
      stop(draServer);
      draServer = null;
      throw e;
    }
    wanted = true;
    LOG.info("DRA driver {} serving {} (registration {})", DraNames.DRIVER, dra, reg);
  }

  /**
   * Takes the devices published after an agent pass: health changes go to the kubelet. A socket
   * that someone deleted while the agent runs is served again, so the plugin watcher finds it.
   */
  public void update(List<DraDevice> current) {
    health.update(current);
    reserveDeletedSockets();
  }

  private synchronized void reserveDeletedSockets() {
    if (!wanted) {
      return;
    }
    Path dra = config.draSocket();
    Path reg = config.registrationSocket();
    if (draServer != null && registrationServer != null && present(dra) && present(reg)) {
      return;
    }
    LOG.warn("DRA socket {} or {} was deleted; serving both again", dra, reg);
    stop(registrationServer);
    stop(draServer);
    registrationServer = null;
    draServer = null;
    try {
      start();
    } catch (IOException | RuntimeException e) {
      LOG.error("cannot serve the DRA sockets again (next pass retries): {}", e.getMessage());
    }
  }

  private static boolean present(Path p) {
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public void accept(List<DraDevice> current) {
    update(current);
  }

  /** The claims prepared now. */
  public List<PreparedClaim> prepared() {
    return preparer.prepared();
  }

  /** Prepares claims as the kubelet's NodePrepareResources does (for tools and tests). */
  public Map<String, ClaimResult> prepare(List<ClaimRef> claims) {
    return preparer.prepare(claims);
  }

  /** Unprepares claims as the kubelet's NodeUnprepareResources does. */
  public Map<String, ClaimResult> unprepare(List<ClaimRef> claims) {
    return preparer.unprepare(claims);
  }

  /** Why the checkpoint was set aside at start (it did not parse); empty when it was not. */
  public Optional<String> checkpointProblem() {
    return preparer.checkpointProblem();
  }

  /** The kubelet's last registration status: registered, or its error. */
  public Optional<Boolean> registered() {
    return registration.lastStatus().map(DraRegistration.Status::registered);
  }

  /** The devices' health as last streamed. */
  public List<DeviceHealthState> health() {
    return health.current();
  }

  public DraPluginConfig config() {
    return config;
  }

  /** Stops serving (netty unlinks the sockets); prepared claims stay in the checkpoint. */
  @Override
  public synchronized void close() {
    wanted = false;
    stop(registrationServer);
    stop(draServer);
    registrationServer = null;
    draServer = null;
    calls.shutdownNow();
    try {
      calls.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsTransport) {
      transport.close();
    }
  }

  private static void stop(Server server) {
    if (server == null) {
      return;
    }
    server.shutdownNow();
    try {
      server.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Removes a socket file a crashed run left behind; anything else at the path is an error. */
  private static void deleteStaleSocket(Path p) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException absent) {
      return;
    }
    if (!a.isOther()) {
      throw new IOException(p + " exists and is not a socket; not replacing it");
    }
    Files.delete(p);
    LOG.info("removed stale socket {}", p);
  }
}
