package io.daxtier.agent.plugin;

import io.daxtier.deviceplugin.v1beta1.AllocateRequest;
import io.daxtier.deviceplugin.v1beta1.AllocateResponse;
import io.daxtier.deviceplugin.v1beta1.ContainerAllocateRequest;
import io.daxtier.deviceplugin.v1beta1.ContainerPreferredAllocationRequest;
import io.daxtier.deviceplugin.v1beta1.DevicePluginGrpc;
import io.daxtier.deviceplugin.v1beta1.Empty;
import io.daxtier.deviceplugin.v1beta1.ListAndWatchResponse;
import io.daxtier.deviceplugin.v1beta1.PreferredAllocationRequest;
import io.daxtier.deviceplugin.v1beta1.RegisterRequest;
import io.daxtier.deviceplugin.v1beta1.RegistrationGrpc;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The smallest kubelet that walks the device plugin through what a real one does after start-up:
 * accepts {@code Register}, dials the plugin back, opens {@code ListAndWatch} and, once a device is
 * listed, calls {@code GetPreferredAllocation} and {@code Allocate} for it. Only for the image
 * build's class-data training run ({@code run --cds-training} on a simulated node), so that the
 * archive holds the classes the agent loads on a node; tests use their own fake kubelet.
 */
public final class TrainingKubelet implements AutoCloseable {
  private final Path dir;
  private final UdsTransport transport = new UdsTransport("training-kubelet-io");
  private final CompletableFuture<AllocateResponse> allocated = new CompletableFuture<>();
  private Server server;
  private ManagedChannel plugin;

  private TrainingKubelet(Path dir) {
    this.dir = dir;
  }

  /** Serves {@code Registration} on {@code kubelet.sock} in {@code dir} (created if missing). */
  public static TrainingKubelet start(Path dir) throws IOException {
    TrainingKubelet k = new TrainingKubelet(dir);
    Files.createDirectories(dir);
    Path socket = dir.resolve("kubelet.sock");
    Files.deleteIfExists(socket);
    k.server = k.transport.serve(socket, k.new Registration());
    return k;
  }

  /** Waits until one device was listed and allocated; false on timeout or failure. */
  public boolean awaitAllocated(Duration timeout) throws InterruptedException {
    try {
      allocated.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }

  @Override
  public synchronized void close() {
    if (plugin != null) {
      plugin.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
    transport.close();
  }

  private synchronized void dial(String endpoint) {
    if (plugin != null) {
      return;
    }
    plugin = transport.connect(dir.resolve(endpoint));
    DevicePluginGrpc.DevicePluginStub stub = DevicePluginGrpc.newStub(plugin);
    stub.listAndWatch(
        Empty.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(ListAndWatchResponse list) {
            if (list.getDevicesCount() > 0 && !allocated.isDone()) {
              allocate(stub, list.getDevices(0).getID());
            }
          }

          @Override
          public void onError(Throwable t) {
            allocated.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
  }

  private void allocate(DevicePluginGrpc.DevicePluginStub stub, String id) {
    stub.getPreferredAllocation(
        PreferredAllocationRequest.newBuilder()
            .addContainerRequests(
                ContainerPreferredAllocationRequest.newBuilder()
                    .addAvailableDeviceIDs(id)
                    .setAllocationSize(1))
            .build(),
        new Answer<>(
            preferred ->
                stub.allocate(
                    AllocateRequest.newBuilder()
                        .addContainerRequests(
                            ContainerAllocateRequest.newBuilder().addDevicesIds(id))
                        .build(),
                    new Answer<>(allocated::complete))));
  }

  /** A unary answer: the value to {@code next}, an error to the outcome. */
  private final class Answer<T> implements StreamObserver<T> {
    private final Consumer<T> next;

    Answer(Consumer<T> next) {
      this.next = next;
    }

    @Override
    public void onNext(T value) {
      next.accept(value);
    }

    @Override
    public void onError(Throwable t) {
      allocated.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {}
  }

  private final class Registration extends RegistrationGrpc.RegistrationImplBase {
    @Override
    public void register(RegisterRequest request, StreamObserver<Empty> out) {
      out.onNext(Empty.getDefaultInstance());
      out.onCompleted();
      // Outside the Register call's context, which is cancelled as soon as Register returns.
      Context.ROOT.run(() -> dial(request.getEndpoint()));
    }
  }
}
