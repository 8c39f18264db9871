package io.daxtier.agent.plugin;

import io.daxtier.deviceplugin.v1beta1.Empty;
import io.daxtier.deviceplugin.v1beta1.RegisterRequest;
import io.daxtier.deviceplugin.v1beta1.RegistrationGrpc;
import io.daxtier.kubelet.UdsTransport;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Registers a plugin endpoint with the kubelet's {@code Registration} service. */
final class KubeletRegistrar {
  /** The API version we speak, from the kubelet's constants.go. */
  static final String API_VERSION = "v1beta1";

  private final UdsTransport transport;
  private final Duration timeout;

  KubeletRegistrar(UdsTransport transport, Duration timeout) {
    this.transport = transport;
    this.timeout = timeout;
  }

  /**
   * Registers {@code endpoint} (a socket file name in the kubelet's directory) for the resource,
   * without blocking; {@code done} gets null on success or the failure's status, on the event loop.
   */
  void register(Path kubeletSocket, String endpoint, String resourceName, Consumer<Status> done) {
    RegisterRequest request =
        RegisterRequest.newBuilder()
            .setVersion(API_VERSION)
            .setEndpoint(endpoint)
            .setResourceName(resourceName)
            .setOptions(DevicePluginService.OPTIONS)
            .build();
    ManagedChannel channel;
    try {
      channel = transport.connect(kubeletSocket);
    } catch (RuntimeException e) {
      done.accept(Status.UNAVAILABLE.withDescription(e.getMessage()).withCause(e));
      return;
    }
    RegistrationGrpc.newStub(channel)
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .register(
            request,
            new StreamObserver<>() {
              @Override
              public void onNext(Empty value) {}

              @Override
              public void onError(Throwable t) {
                channel.shutdownNow();
                done.accept(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                channel.shutdownNow();
                done.accept(null);
              }
            });
  }
}
