package io.daxtier.agent.plugin;

import io.daxtier.agent.plugin.allocation.AllocationDecision;
import io.daxtier.agent.plugin.allocation.AllocationPlanner;
import io.daxtier.agent.plugin.allocation.DeviceList;
import io.daxtier.agent.plugin.allocation.PreferredAllocator;
import io.daxtier.deviceplugin.v1beta1.AllocateRequest;
import io.daxtier.deviceplugin.v1beta1.AllocateResponse;
import io.daxtier.deviceplugin.v1beta1.ContainerAllocateRequest;
import io.daxtier.deviceplugin.v1beta1.ContainerPreferredAllocationRequest;
import io.daxtier.deviceplugin.v1beta1.ContainerPreferredAllocationResponse;
import io.daxtier.deviceplugin.v1beta1.DevicePluginGrpc;
import io.daxtier.deviceplugin.v1beta1.DevicePluginOptions;
import io.daxtier.deviceplugin.v1beta1.Empty;
import io.daxtier.deviceplugin.v1beta1.ListAndWatchResponse;
import io.daxtier.deviceplugin.v1beta1.PreStartContainerRequest;
import io.daxtier.deviceplugin.v1beta1.PreStartContainerResponse;
import io.daxtier.deviceplugin.v1beta1.PreferredAllocationRequest;
import io.daxtier.deviceplugin.v1beta1.PreferredAllocationResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/** The kubelet-facing DevicePlugin service of one resource; {@link #publish} swaps its devices. */
final class DevicePluginService extends DevicePluginGrpc.DevicePluginImplBase {
  static final DevicePluginOptions OPTIONS =
      DevicePluginOptions.newBuilder().setGetPreferredAllocationAvailable(true).build();

  private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
  private volatile DeviceList devices;
  private volatile ListAndWatchResponse snapshot;

  DevicePluginService(DeviceList initial) {
    publish(initial);
  }

  /** Makes {@code list} current and sends it to every open ListAndWatch stream. */
  void publish(DeviceList list) {
    devices = list;
    snapshot = DeviceMessages.listAndWatch(list);
    watches.forEach(Watch::sendLatest);
  }

  DeviceList devices() {
    return devices;
  }

  int openStreams() {
    return watches.size();
  }

  @Override
  public void getDevicePluginOptions(Empty request, StreamObserver<DevicePluginOptions> out) {
    out.onNext(OPTIONS);
    out.onCompleted();
  }

  @Override
  public void listAndWatch(Empty request, StreamObserver<ListAndWatchResponse> out) {
    ServerCallStreamObserver<ListAndWatchResponse> stream =
        (ServerCallStreamObserver<ListAndWatchResponse>) out;
    Watch watch = new Watch(stream);
    stream.setOnCancelHandler(() -> watches.remove(watch));
    watches.add(watch);
    watch.sendLatest();
  }

  @Override
  public void getPreferredAllocation(
      PreferredAllocationRequest request, StreamObserver<PreferredAllocationResponse> out) {
    DeviceList current = devices;
    PreferredAllocationResponse.Builder b = PreferredAllocationResponse.newBuilder();
    for (ContainerPreferredAllocationRequest c : request.getContainerRequestsList()) {
      List<String> ids =
          PreferredAllocator.choose(
              current,
              c.getAvailableDeviceIDsList(),
              c.getMustIncludeDeviceIDsList(),
              c.getAllocationSize());
      b.addContainerResponses(
          ContainerPreferredAllocationResponse.newBuilder().addAllDeviceIDs(ids));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void allocate(AllocateRequest request, StreamObserver<AllocateResponse> out) {
    List<List<String>> containers =
        request.getContainerRequestsList().stream()
            .map(ContainerAllocateRequest::getDevicesIdsList)
            .collect(Collectors.toList());
    AllocationDecision decision = AllocationPlanner.plan(devices, containers);
    if (decision instanceof AllocationDecision.Rejected r) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription(r.reason() + ": " + r.message())
              .asRuntimeException());
      return;
    }
    AllocateResponse.Builder b = AllocateResponse.newBuilder();
    ((AllocationDecision.Granted) decision)
        .containers()
        .forEach(g -> b.addContainerResponses(DeviceMessages.container(g)));
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void preStartContainer(
      PreStartContainerRequest request, StreamObserver<PreStartContainerResponse> out) {
    out.onNext(PreStartContainerResponse.getDefaultInstance());
    out.onCompleted();
  }

  /** One open ListAndWatch stream; sends only newer lists, one caller at a time. */
  private final class Watch {
    private final ServerCallStreamObserver<ListAndWatchResponse> stream;
    private ListAndWatchResponse sent;

    Watch(ServerCallStreamObserver<ListAndWatchResponse> stream) {
      this.stream = stream;
    }

    synchronized void sendLatest() {
      ListAndWatchResponse latest = snapshot;
      if (latest == sent || stream.isCancelled()) {
        return;
      }
      sent = latest;
      try {
        stream.onNext(latest);
      } catch (RuntimeException e) {
        // The stream closed between the check and the send: the kubelet went away.
        watches.remove(this);
      }
    }
  }
}
