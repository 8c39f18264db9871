package io.daxtier.agent.plugin;

import io.daxtier.agent.plugin.KubeletDirectory.SocketIdentity;
import io.daxtier.agent.plugin.PluginFailure.Reason;
import io.daxtier.agent.plugin.allocation.AdvertisedResource;
import io.daxtier.agent.plugin.allocation.DeviceList;
import io.daxtier.agent.plugin.allocation.DeviceListBuilder;
import io.daxtier.agent.plugin.allocation.ResourceChange;
import io.daxtier.agent.plugin.allocation.ResourceDiff;
import io.daxtier.kubelet.UdsTransport;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device plugin as the node agent sees it: give it the resources to advertise, it runs one
 * kubelet plugin server per resource, registers each, pushes every capacity or health change to the
 * kubelet, and serves and registers again when the kubelet restarts.
 *
 * <p>All state changes run on one plugin thread; gRPC runs on one shared event-loop thread.
 * Failures it cannot recover from go to the {@link PluginFailureListener}.
 */
public final class DevicePluginManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DevicePluginManager.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private final PluginOptions options;
  private final PluginFailureListener onFailure;
  private final KubeletDirectory directory;
  private final UdsTransport transport;
  private final KubeletRegistrar registrar;
  private final ScheduledExecutorService thread;
  private final Map<String, Served> served = new LinkedHashMap<>();
  private volatile List<ResourceState> status = List.of();
  private volatile Thread pluginThread;
  private long lastResyncNanos;
  private final AtomicBoolean closing = new AtomicBoolean();
  private boolean closed;

  /** A manager with default options serving in {@code kubeletDir}. */
  public DevicePluginManager(Path kubeletDir, PluginFailureListener onFailure) throws IOException {
    this(kubeletDir, PluginOptions.defaults(), onFailure);
  }

  public DevicePluginManager(
      Path kubeletDir, PluginOptions options, PluginFailureListener onFailure) throws IOException {
    this(kubeletDir, options, onFailure, new UdsTransport("daxtier-plugin-io"));
  }

  DevicePluginManager(
      Path kubeletDir,
      PluginOptions options,
      PluginFailureListener onFailure,
      UdsTransport transport)
      throws IOException {
    this.options = options;
    this.onFailure = onFailure;
    this.directory = new KubeletDirectory(kubeletDir);
    this.transport = transport;
    this.registrar = new KubeletRegistrar(transport, options.registerTimeout());
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "daxtier-plugin");
              t.setDaemon(true);
              pluginThread = t;
              return t;
            });
    long tick = options.watchInterval().toMillis();
    thread.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
  }

  /**
   * The transport (one Netty event loop) its sockets are served on, to share with the DRA plugin.
   */
  public UdsTransport transport() {
    return transport;
  }

  /**
   * Makes the advertised resources exactly {@code resources}: starts servers for new ones,
   * publishes changed device lists, stops the others. Returns once every server is serving and
   * every change is sent; registration with the kubelet continues in the background. A resource
   * that cannot be served goes to the failure listener rather than being thrown.
   *
   * @throws IllegalArgumentException when two resources share a name or one is malformed
   * @throws IllegalStateException after {@link #close()}
   */
  public void update(List<AdvertisedResource> resources) {
    List<DeviceList> desired = resources.stream().map(DeviceListBuilder::build).toList();
    call(() -> apply(desired));
  }

  /** What is advertised now, one entry per served resource. */
  public List<ResourceState> status() {
    return status;
  }

  /** Stops every server (the kubelet then stops advertising their resources). Idempotent. */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    if (Thread.currentThread() == pluginThread) {
      shutdown();
      return;
    }
    Future<?> done = thread.submit(this::shutdown);
    try {
      done.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("device plugin did not stop cleanly", e);
    } finally {
      thread.shutdownNow();
      transport.close();
    }
  }

  private void apply(List<DeviceList> desired) {
    if (closed) {
      throw new IllegalStateException("device plugin manager is closed");
    }
    Map<String, DeviceList> current = new LinkedHashMap<>();
    served.forEach((name, s) -> current.put(name, s.server.service().devices()));
    for (ResourceChange change : ResourceDiff.diff(current, desired)) {
      if (change instanceof ResourceChange.Start start) {
        start(start.devices());
      } else if (change instanceof ResourceChange.Update update) {
        Served s = served.get(update.resourceName());
        s.server.service().publish(update.devices());
        LOG.info("resource {} now advertises {}", update.resourceName(), update.devices());
      } else {
        stop(change.resourceName());
      }
    }
    publishStatus();
  }

  private void start(DeviceList devices) {
    String name = devices.resourceName();
    Path socket = directory.dir().resolve(socketName(name));
    PluginServer server = new PluginServer(socket, devices, transport);
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      server.stop();
      report(name, Reason.ServeFailed, "cannot serve on " + socket + ": " + e.getMessage(), e);
      return;
    }
    Served s = new Served(server);
    served.put(name, s);
    LOG.info("serving {} on {}: {}", name, socket, devices);
    register(name, s);
  }

  private void stop(String name) {
    Served s = served.remove(name);
    if (s != null) {
      s.cancelRetry();
      s.server.stop();
      LOG.info("stopped serving {}", name);
    }
  }

  /** Periodic: read directory events, then check every server when anything moved. */
  private void tick() {
    try {
      boolean changed = directory.drainEvents();
      long now = System.nanoTime();
      if (changed || now - lastResyncNanos >= options.resyncInterval().toNanos()) {
        lastResyncNanos = now;
        reconcile();
      }
    } catch (RuntimeException e) {
      LOG.error("device plugin check failed", e);
    }
  }

  /**
   * Level-triggered: whatever happened, serve on every socket and be registered with this kubelet.
   */
  private void reconcile() {
    if (closed) {
      return;
    }
    Optional<SocketIdentity> kubelet = directory.kubeletIdentity();
    for (String name : new ArrayList<>(served.keySet())) {
      Served s = served.get(name);
      if (s.server.diedUnexpectedly()) {
        served.remove(name);
        s.cancelRetry();
        report(name, Reason.ServerTerminated, "gRPC server of " + name + " stopped", null);
        continue;
      }
      if (!s.server.socketPresent()) {
        LOG.info("socket {} is gone (kubelet restart?): serving again", s.server.socket());
        try {
          s.server.restart();
        } catch (IOException | RuntimeException e) {
          served.remove(name);
          s.cancelRetry();
          s.server.stop();
          report(name, Reason.ServeFailed, "cannot serve again on " + s.server.socket(), e);
          continue;
        }
        s.registeredWith = null;
      }
      ensureRegistered(name, s, kubelet);
    }
    publishStatus();
  }

  /** Registers with the kubelet now there unless already done, under way or waiting to retry. */
  private void ensureRegistered(String name, Served s, Optional<SocketIdentity> kubelet) {
    if (kubelet.isEmpty() || kubelet.get().equals(s.registeredWith) || s.registering) {
      return;
    }
    if (!kubelet.get().equals(s.attemptedWith)) {
      s.cancelRetry(); // a new kubelet: start counting again, now
      s.attempts = 0;
    }
    if (s.retry == null) {
      register(name, s);
    }
  }

  /** Sends Register without waiting: the answer comes back to the plugin thread. */
  private void register(String name, Served s) {
    s.retry = null;
    Optional<SocketIdentity> kubelet = directory.kubeletIdentity();
    if (kubelet.isEmpty()) {
      LOG.info("no {} yet: {} registers when the kubelet appears", directory.kubeletSocket(), name);
      return;
    }
    SocketIdentity target = kubelet.get();
    s.attemptedWith = target;
    s.registering = true;
    registrar.register(
        directory.kubeletSocket(),
        s.server.socket().getFileName().toString(),
        name,
        error -> onPluginThread(() -> registered(name, s, target, error)));
  }

  private void registered(String name, Served s, SocketIdentity target, Status error) {
    s.registering = false;
    if (served.get(name) != s) {
      return; // stopped or replaced meanwhile
    }
    if (error == null) {
      s.registeredWith = target;
      s.attempts = 0;
      LOG.info("registered {} with the kubelet", name);
    } else {
      s.attempts++;
      if (s.attempts >= options.maxRegisterAttempts()) {
        served.remove(name);
        s.server.stop();
        report(
            name,
            Reason.RegistrationFailed,
            "kubelet refused " + name + " " + s.attempts + " times: " + error,
            error.asRuntimeException());
        return;
      }
      Duration delay = retryDelay(s.attempts);
      LOG.warn("registering {} failed ({}); retry in {} ms", name, error, delay.toMillis());
      s.retry =
          thread.schedule(
              () -> {
                if (served.get(name) == s) {
                  register(name, s);
                  publishStatus();
                }
              },
              delay.toMillis(),
              TimeUnit.MILLISECONDS);
    }
    // A kubelet that restarted while we were registering with the old one.
    ensureRegistered(name, s, directory.kubeletIdentity());
    publishStatus();
  }

  private void onPluginThread(Runnable action) {
    try {
      thread.execute(action);
    } catch (RejectedExecutionException e) {
      LOG.debug("device plugin closed; dropping a late registration answer");
    }
  }

  private Duration retryDelay(int attempts) {
    Duration d = options.firstRetryDelay().multipliedBy(1L << Math.min(attempts - 1, 20));
    return d.compareTo(options.maxRetryDelay()) > 0 ? options.maxRetryDelay() : d;
  }

  private void report(String name, Reason reason, String message, Throwable cause) {
    LOG.error("device plugin for {} failed: {} ({})", name, message, reason);
    publishStatus();
    onFailure.onFailure(new PluginFailure(name, reason, message, cause));
  }

  private void shutdown() {
    if (closed) {
      return;
    }
    closed = true;
    new ArrayList<>(served.keySet()).forEach(this::stop);
    publishStatus();
    try {
      directory.close();
    } catch (IOException e) {
      LOG.debug("closing the directory watch", e);
    }
  }

  private void publishStatus() {
    status =
        served.entrySet().stream()
            .map(
                e -> {
                  DeviceList d = e.getValue().server.service().devices();
                  return new ResourceState(
                      e.getKey(),
                      d.pool(),
                      d.capacity(),
                      d.healthyCount(),
                      e.getValue().registeredWith != null);
                })
            .collect(Collectors.toUnmodifiableList());
  }

  /** The socket file name for a resource: {@code daxtier-daxtier.io_pmem.sock}. */
  String socketName(String resourceName) {
    return options.socketPrefix() + resourceName.replaceAll("[^A-Za-z0-9._-]", "_") + ".sock";
  }

  private void call(Runnable action) {
    if (Thread.currentThread() == pluginThread) {
      action.run();
      return;
    }
    try {
      thread.submit(action).get();
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("device plugin manager is closed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while updating the device plugin", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("device plugin update failed", c);
    }
  }

  /** A served resource and its registration state; touched only on the plugin thread. */
  private static final class Served {
    final PluginServer server;
    SocketIdentity registeredWith;
    SocketIdentity attemptedWith;
    int attempts;
    boolean registering;
    ScheduledFuture<?> retry;

    Served(PluginServer server) {
      this.server = server;
    }

    void cancelRetry() {
      if (retry != null) {
        retry.cancel(false);
        retry = null;
      }
    }
  }
}
