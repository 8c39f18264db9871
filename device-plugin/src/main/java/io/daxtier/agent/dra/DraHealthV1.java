package io.daxtier.agent.dra;

import io.daxtier.dra.health.v1.DRAResourceHealthGrpc;
import io.daxtier.dra.health.v1.DeviceHealth;
import io.daxtier.dra.health.v1.DeviceIdentifier;
import io.daxtier.dra.health.v1.HealthStatus;
import io.daxtier.dra.health.v1.NodeWatchResourcesRequest;
import io.daxtier.dra.health.v1.NodeWatchResourcesResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Consumer;

/** The kubelet's {@code v1.DRAResourceHealth} service over {@link DraHealth}. */
final class DraHealthV1 extends DRAResourceHealthGrpc.DRAResourceHealthImplBase {
  private final DraHealth health;

  DraHealthV1(DraHealth health) {
    this.health = health;
  }

  @Override
  public void nodeWatchResources(
      NodeWatchResourcesRequest request, StreamObserver<NodeWatchResourcesResponse> out) {
    ServerCallStreamObserver<NodeWatchResourcesResponse> stream =
        (ServerCallStreamObserver<NodeWatchResourcesResponse>) out;
    Consumer<List<DeviceHealthState>> watcher =
        new Consumer<>() {
          @Override
          public synchronized void accept(List<DeviceHealthState> states) {
            if (stream.isCancelled()) {
              health.unwatch(this);
              return;
            }
            try {
              stream.onNext(response(states));
            } catch (RuntimeException e) {
              // The stream closed between the check and the send: the kubelet went away.
              health.unwatch(this);
            }
          }
        };
    stream.setOnCancelHandler(() -> health.unwatch(watcher));
    health.watch(watcher);
  }

  static NodeWatchResourcesResponse response(List<DeviceHealthState> states) {
    NodeWatchResourcesResponse.Builder b = NodeWatchResourcesResponse.newBuilder();
    for (DeviceHealthState s : states) {
      b.addDevices(
          DeviceHealth.newBuilder()
              .setDevice(
                  DeviceIdentifier.newBuilder().setPoolName(s.pool()).setDeviceName(s.device()))
              .setHealth(
                  switch (s.health()) {
                    case HEALTHY -> HealthStatus.HEALTHY;
                    case UNHEALTHY -> HealthStatus.UNHEALTHY;
                    case UNKNOWN -> HealthStatus.UNKNOWN;
                  })
              .setLastUpdatedTime(s.lastUpdatedSeconds())
              .setMessage(s.message()));
    }
    return b.build();
  }
}
