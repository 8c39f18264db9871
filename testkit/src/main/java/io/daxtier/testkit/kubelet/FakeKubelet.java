package io.daxtier.testkit.kubelet;

import io.daxtier.deviceplugin.v1beta1.Empty;
import io.daxtier.deviceplugin.v1beta1.RegisterRequest;
import io.daxtier.deviceplugin.v1beta1.RegistrationGrpc;
import io.daxtier.kubelet.UdsTransport;
import io.grpc.Context;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A kubelet as far as device plugins can tell: serves {@code Registration} on {@code kubelet.sock}
 * in a directory and, like the kubelet's device manager, dials every registered endpoint and keeps
 * a {@code ListAndWatch} stream open to it. {@link #restart()} behaves like a kubelet restart (the
 * directory is cleaned, then {@code kubelet.sock} appears again).
 *
 * <p>Failure switch: {@link #failNextRegistrations(int)}. Counters: {@link #registrations()}.
 *
 * <p>Also a process of its own ({@link FakeKubeletMain}): the stand-in kubelet of the agent's
 * class-data training run.
 */
public final class FakeKubelet implements AutoCloseable {
  /** The kubelet's checkpoint file, the one file its cleanup keeps. */
  public static final String CHECKPOINT = "kubelet_internal_checkpoint";

  private static final Duration WAIT = Duration.ofSeconds(5);

  private final Path dir;
  private final UdsTransport transport = new UdsTransport("fake-kubelet-io");
  private final List<RegisterRequest> registrations = new CopyOnWriteArrayList<>();
  private final Map<String, PluginConnection> plugins = new ConcurrentHashMap<>();
  private final AtomicInteger failuresToInject = new AtomicInteger();
  private final List<Runnable> held = new ArrayList<>();
  private boolean holding;
  private Server server;

  public FakeKubelet(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path socket() {
    return dir.resolve("kubelet.sock");
  }

  /** Starts serving {@code Registration} on a fresh {@code kubelet.sock}. */
  public synchronized FakeKubelet start() {
    try {
      Files.createDirectories(dir);
      Files.deleteIfExists(socket());
      server = transport.serve(socket(), new RegistrationService());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Stops serving and drops every plugin connection. */
  public synchronized void stop() {
    plugins.values().forEach(PluginConnection::close);
    plugins.clear();
    if (server != null) {
      server.shutdownNow();
      try {
        server.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server = null;
    }
  }

  /** Like a kubelet restart: stop, delete every socket but the checkpoint, start again. */
  public synchronized void restart() {
    stop();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        if (!p.getFileName().toString().equals(CHECKPOINT)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    start();
  }

  /** Register calls get no answer until {@link #releaseRegistrations()}: a hung kubelet. */
  public synchronized void holdRegistrations() {
    holding = true;
  }

  /** Answers every held Register call, and every later one at once. */
  public synchronized void releaseRegistrations() {
    holding = false;
    held.forEach(Runnable::run);
    held.clear();
  }

  /** The next {@code n} Register calls fail with UNAVAILABLE. */
  public void failNextRegistrations(int n) {
    failuresToInject.set(n);
  }

  /** Every Register call that succeeded, in order. */
  public List<RegisterRequest> registrations() {
    return List.copyOf(registrations);
  }

  public long registrationsOf(String resourceName) {
    return registrations.stream().filter(r -> r.getResourceName().equals(resourceName)).count();
  }

  /** The connection to the plugin registered for the resource, if any. */
  public Optional<PluginConnection> plugin(String resourceName) {
    return Optional.ofNullable(plugins.get(resourceName));
  }

  /** The connections to every registered plugin, one per resource. */
  public List<PluginConnection> plugins() {
    return List.copyOf(plugins.values());
  }

  /** Waits until the resource is registered and its first device list arrived. */
  public PluginConnection awaitPlugin(String resourceName) {
    return Awaitility.await("plugin " + resourceName + " registered and listing")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> plugins.get(resourceName), c -> c != null && c.latest().isPresent());
  }

  @Override
  public void close() {
    stop();
    transport.close();
  }

  private final class RegistrationService extends RegistrationGrpc.RegistrationImplBase {
    @Override
    public void register(RegisterRequest request, StreamObserver<Empty> out) {
      synchronized (FakeKubelet.this) {
        if (holding) {
          held.add(() -> answer(request, out));
          return;
        }
      }
      answer(request, out);
    }

    private void answer(RegisterRequest request, StreamObserver<Empty> out) {
      if (failuresToInject.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        out.onError(Status.UNAVAILABLE.withDescription("injected failure").asRuntimeException());
        return;
      }
      if (!request.getVersion().equals("v1beta1")) {
        out.onError(
            Status.UNKNOWN
                .withDescription("unsupported API version " + request.getVersion())
                .asRuntimeException());
        return;
      }
      // As the kubelet does: a new registration for a resource replaces the old endpoint.
      PluginConnection fresh =
          new PluginConnection(
              request.getResourceName(), transport.connect(dir.resolve(request.getEndpoint())));
      PluginConnection old = plugins.put(request.getResourceName(), fresh);
      if (old != null) {
        old.close();
      }
      registrations.add(request);
      out.onNext(Empty.getDefaultInstance());
      out.onCompleted();
      // Outside the Register call's context, which is cancelled as soon as Register returns.
      Context.ROOT.run(fresh::watch);
    }
  }
}
